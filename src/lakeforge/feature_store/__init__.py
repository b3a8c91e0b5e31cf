"""Legacy Databricks feature store API (``databricks.feature_store``) on the same implementation.

Port legacy code by changing the import::

    from lakeforge.feature_store import FeatureLookup, FeatureStoreClient

``FeatureStoreClient`` is a thin facade over
:class:`~lakeforge.feature_engineering.FeatureEngineeringClient` (same tables, training sets,
models); two-level ``database.table`` names live in the current catalog. The entity classes are
the same classes as under ``lakeforge.feature_engineering``.
"""

from lakeforge.feature_store.client import FeatureStoreClient
from lakeforge.features.function import FeatureFunction
from lakeforge.features.lookup import FeatureLookup

__all__ = ["FeatureFunction", "FeatureLookup", "FeatureStoreClient"]
