"""Legacy reference import path for FeatureFunction."""

from lakeforge.features.function import FeatureFunction

__all__ = ["FeatureFunction"]
