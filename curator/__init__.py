"""Curator: structured-outcome curation of the CAR-T toxicity literature."""

__version__ = "0.1.0"
