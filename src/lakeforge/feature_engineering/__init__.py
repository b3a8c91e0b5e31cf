"""Databricks-compatible feature engineering API (``databricks.feature_engineering``).

Port code by changing the import::

    from lakeforge.feature_engineering import FeatureEngineeringClient, FeatureLookup

Importing it points MLflow at the current workspace (``LAKEFORGE_HOME`` or ``./.lakeforge``)
unless the user chose their own tracking/registry URIs, so plain MLflow calls that follow
(``mlflow.set_experiment``, ``mlflow.start_run``, autologging) land in the workspace too.
"""

from lakeforge.feature_engineering.client import FeatureEngineeringClient
from lakeforge.features.function import FeatureFunction
from lakeforge.features.lookup import FeatureLookup
from lakeforge.models.tracking import bind

bind()

__all__ = ["FeatureEngineeringClient", "FeatureFunction", "FeatureLookup"]
