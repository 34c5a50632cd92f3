"""Real components the suite talks to, and what to do when one is missing.

On a developer's laptop a missing component is a skip that says what to
install; in CI (``CI=true``) it is a failure, so a green CI always means the
real servers were exercised.
"""

from __future__ import annotations

import os

import pytest

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def missing_component(what: str, how_to_get_it: str) -> None:
    """Skip (laptop) or fail (CI) because a real component is unavailable."""
    message = f"{what} is not available: {how_to_get_it}"
    if IN_CI:
        pytest.fail(message + " (required in CI)", pytrace=False)
    pytest.skip(message)
