"""Databricks-compatible feature engineering API (``databricks.feature_engineering``).

Port code by changing the import::

    from lakeforge.feature_engineering import FeatureEngineeringClient, FeatureLookup
"""

from lakeforge.feature_engineering.client import FeatureEngineeringClient
from lakeforge.features.function import FeatureFunction
from lakeforge.features.lookup import FeatureLookup

__all__ = ["FeatureEngineeringClient", "FeatureFunction", "FeatureLookup"]
