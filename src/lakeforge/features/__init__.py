"""Feature engineering: feature tables, lookups, on-demand functions, point-in-time training sets.

The point-in-time rules live in :mod:`lakeforge.features.pit` only; engines execute them.
"""
