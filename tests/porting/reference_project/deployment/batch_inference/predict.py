"""Batch inference: score a table of lookup keys with the deployed model."""

from datetime import datetime

import lakeforge
import mlflow


def predict_batch(model_uri, input_table_name, output_table_name, model_version, ts):
    """Score ``input_table_name`` with the model at ``model_uri`` and append the predictions
    (with the model's identity) to ``output_table_name``."""
    mlflow.set_registry_uri("databricks-uc")
    table = lakeforge.table(input_table_name)

    from lakeforge.feature_engineering import FeatureEngineeringClient

    fe_client = FeatureEngineeringClient()
    prediction_df = fe_client.score_batch(
        model_uri=model_uri, df=table, output_table=output_table_name
    )
    output_df = prediction_df.assign(
        model_id=model_version, timestamp=datetime.strptime(ts, "%Y-%m-%d %H:%M:%S")
    )
    print(f"scored {len(output_df)} rows into {output_table_name}")
    return output_df
