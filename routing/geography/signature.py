"""Places after the closing formula are often the sender's organisation: they count less.

(The sender's own signature, given apart, is read by ``find_areas`` as
"aidant" areas; this handles a signature left inside the text.)
"""

from __future__ import annotations

from dataclasses import replace

from routing.decision import Evidence
from routing.geography.vocabulary import CLOSING_RE
from routing.geography.weights import SIGNATURE_FACTOR


class SignatureWeight:
    """Mixin of ``Scan``: lowers the weight of evidence found after "Cordialement", "--", ..."""

    def lower_signature_weight(self, evidence: dict[str, list[Evidence]]) -> None:
        """Places after the closing formula ('Cordialement, ... Association X, 75011 Paris') are often the
        sender's organisation, not the person's home: they count less than places in the request."""
        closing = None
        for closing in CLOSING_RE.finditer(self.text):
            pass
        if closing is None:
            return
        for code, items in evidence.items():
            evidence[code] = [replace(e, weight=round(e.weight * SIGNATURE_FACTOR, 3)) if e.start >= closing.start()
                              else e for e in items]
