"""Compute engines behind one small protocol (DuckDB always; Spark behind an extra)."""

from lakeforge.engines.engine import Capabilities, Engine, RelationResolver, load_engine

__all__ = ["Capabilities", "Engine", "RelationResolver", "load_engine"]
