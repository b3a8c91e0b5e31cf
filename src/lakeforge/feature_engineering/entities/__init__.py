"""Entity modules at the reference import paths."""
