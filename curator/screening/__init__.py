"""Title/abstract screening: features, ranking model and stopping statistics (pure: no Qt, no SQL).

ASReview LAB's classic active-learning loop: TF-IDF features of each record's title, abstract,
keywords and MeSH terms; a linear classifier trained on the decisions made so far; the unscreened
records ranked highest probability first; random (seeded) order until there is at least one
include and one exclude. The store keeps the decisions; services feed them in here.
"""

from curator.screening.features import Features, screening_text
from curator.screening.model import CLASSIFIERS, Ranking, rank
from curator.screening.stopping import ConsecutiveExcludes, ScreeningProgress, progress_of

__all__ = ["CLASSIFIERS", "ConsecutiveExcludes", "Features", "Ranking", "ScreeningProgress", "progress_of",
           "rank", "screening_text"]
