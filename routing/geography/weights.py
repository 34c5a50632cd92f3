"""How much each piece of evidence counts, and the population thresholds of the gates.

Kept together so that the balance between rules can be read (and tuned against
``benchmarks/routing_eval.py``) in one place.
"""

from __future__ import annotations

# Weights: how much one piece of evidence says "the person is concerned by this département".
W_POSTAL_CONFIRMED, W_POSTAL, W_ARRONDISSEMENT = 1.0, 0.8, 1.0
W_DEPARTEMENT, W_COMMUNE, W_COMMUNE_SMALL, W_HOMONYM_CONTEXT, W_HOMONYM_POPULATION, W_SHORT = 0.9, 0.8, 0.7, 0.7, 0.5, 0.6
W_MOVE = 0.25
W_CURRENT = 0.3
W_RESIDENCE = 0.2
BIRTHPLACE_FACTOR = 0.4

W_FUZZY = 0.5
FUZZY_MIN_LENGTH, FUZZY_MIN_POPULATION, SILENT_LETTER_MIN_LENGTH = 6, 20_000, 4
SIGNATURE_FACTOR = 0.6
