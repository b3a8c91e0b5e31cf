"""Manifest-driven ML pipelines: feature tables, training, registration, batch inference."""
