"""Bundles and jobs: YAML model, validation, DAG runner, run records, schedules."""
