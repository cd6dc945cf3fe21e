"""Rule-based, explainable extraction of CAR-T toxicity outcomes from abstracts (no network, no model).

    >>> from curator.extract import suggest
    >>> [s.fields["analyte"] for s in suggest("IL-2 (32.35 vs. 11.94 pg/ml, P < 0.001)")]
    ['IL-2']
"""

from curator.extract.engine import suggest
from curator.extract.model import KINDS, Suggestion

__all__ = ["KINDS", "Suggestion", "suggest"]
