"""Scoring: batch inference of feature models (``score_batch``) on any DataFrame kind."""
