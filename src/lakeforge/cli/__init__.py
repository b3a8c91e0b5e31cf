"""The ``lakeforge`` command line (Typer + Rich)."""
