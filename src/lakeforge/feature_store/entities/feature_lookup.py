"""Legacy reference import path for FeatureLookup."""

from lakeforge.features.lookup import FeatureLookup

__all__ = ["FeatureLookup"]
