"""The reference-shaped project under reference_project/ is data for a test, not tests."""

collect_ignore = ["reference_project"]
