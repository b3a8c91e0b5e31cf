"""Legacy reference import path for FeatureTable."""

from lakeforge.features.feature_table import FeatureTable

__all__ = ["FeatureTable"]
