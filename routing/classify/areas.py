"""The request's areas, from routing.geography when it is installed, with the aidant's set apart.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Callable

from routing.classify.evidence import Analysis
from routing.classify.passing_places import drop_places_in_passing
from routing.decision import AreaMatch

try:  # written by the routing-geo helper; the classifier works without it.
    from routing.geography import find_areas as _geo_find_areas
except ImportError:  # pragma: no cover - depends on the other module being present
    _geo_find_areas = None


def request_areas(analysed: str, analysis: Analysis, aidant_signature: str | None, finder: Callable[..., list[AreaMatch]]
           ) -> list[AreaMatch]:
    """The person's areas, then the aidant's.

    When the caller has no separate signature but the mail ends with one that
    names an organisation ("France Services de Guéret, 23000"), that signature is
    the writer's, not the person's: its places become aidant hints (offsets
    shifted back into the analysed text).
    """
    cut = analysis.signature_start
    if aidant_signature is not None or not analysis.affiliated_signature or cut >= len(analysed):
        return drop_places_in_passing(analysed, list(finder(analysed, sender_signature=aidant_signature)))
    found = drop_places_in_passing(analysed, list(finder(analysed[:cut], sender_signature=analysed[cut:])))
    shifted: list[AreaMatch] = []
    for area in found:
        if area.role == "aidant":
            area = AreaMatch(area.code, [replace(e, start=e.start + cut if e.start >= 0 else e.start,
                                                   end=e.end + cut if e.start >= 0 else e.end) for e in area.evidence],
                             role="aidant")
        shifted.append(area)
    return shifted


def geography_areas(analysed: str, sender_signature: str | None = None) -> list[AreaMatch]:
    """Areas from routing.geography when it is installed; never raises."""
    if _geo_find_areas is None:
        return []
    try:
        found = list(_geo_find_areas(analysed, sender_signature=sender_signature) or [])
    except Exception:  # hostile input must not stop routing; areas are then unknown
        return []
    found.sort(key=lambda a: 0 if getattr(a, "role", "person") == "person" else 1)
    return found
