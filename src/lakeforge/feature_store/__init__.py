"""Legacy import path (``databricks.feature_store``) for the same entity classes."""

from lakeforge.features.function import FeatureFunction
from lakeforge.features.lookup import FeatureLookup

__all__ = ["FeatureFunction", "FeatureLookup"]
