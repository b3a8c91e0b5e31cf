"""Entity modules at the legacy reference import paths."""
