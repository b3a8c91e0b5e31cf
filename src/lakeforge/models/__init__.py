"""Models: the MLflow adapter (tracking, registry, logging, loading). The only package that
imports mlflow, always lazily."""
