# Databricks notebook source
# MAGIC %md
# MAGIC ## Model training with feature tables
# MAGIC
# MAGIC Builds a point-in-time training set from the pickup and dropoff feature tables, trains a
# MAGIC LightGBM regressor for the fare and registers it, packaged with its feature lookups.

# COMMAND ----------

import os

notebook_path = "/Workspace/" + os.path.dirname(
    dbutils.notebook.entry_point.getDbutils().notebook().getContext().notebookPath().get()
)
%cd $notebook_path

# COMMAND ----------

# MAGIC %pip install -r ../../requirements.txt

# COMMAND ----------

dbutils.library.restartPython()

# COMMAND ----------

# DBTITLE 1, Notebook arguments
dbutils.widgets.dropdown("env", "staging", ["staging", "prod", "dev"], "Environment Name")
env = dbutils.widgets.get("env")
dbutils.widgets.text("training_data_path", "/databricks-datasets/nyctaxi-with-zipcodes/subsampled", label="Path to the training data")
dbutils.widgets.text("experiment_name", "/dev-taxi-experiment", label="MLflow experiment name")
dbutils.widgets.text("model_name", "dev.taxi.taxi-fare-model", label="Full (Three-Level) Model Name")
dbutils.widgets.text("pickup_features_table", "dev.taxi.trip_pickup_features", label="Pickup Features Table")
dbutils.widgets.text("dropoff_features_table", "dev.taxi.trip_dropoff_features", label="Dropoff Features Table")

# COMMAND ----------

# DBTITLE 1,Define input and output variables
input_table_path = dbutils.widgets.get("training_data_path")
experiment_name = dbutils.widgets.get("experiment_name")
model_name = dbutils.widgets.get("model_name")

# COMMAND ----------

# DBTITLE 1, Set experiment
import mlflow

mlflow.set_experiment(experiment_name)
mlflow.set_registry_uri("databricks-uc")

# COMMAND ----------

# DBTITLE 1, Load raw data
import lakeforge

raw_data = lakeforge.read_delta(input_table_path)
display(raw_data)

# COMMAND ----------

# DBTITLE 1, Helper functions
from mlflow.tracking import MlflowClient


def rounded_taxi_data(taxi_data_df):
    # Round the timestamps up to 15 and 30 minutes to join with the pickup and dropoff features.
    taxi_data_df = taxi_data_df.assign(
        rounded_pickup_datetime=taxi_data_df["tpep_pickup_datetime"].dt.ceil("15min"),
        rounded_dropoff_datetime=taxi_data_df["tpep_dropoff_datetime"].dt.ceil("30min"),
    )
    return taxi_data_df.drop(columns=["tpep_pickup_datetime", "tpep_dropoff_datetime"])


def get_latest_model_version(model_name):
    latest_version = 1
    mlflow_client = MlflowClient()
    for mv in mlflow_client.search_model_versions(f"name='{model_name}'"):
        version_int = int(mv.version)
        if version_int > latest_version:
            latest_version = version_int
    return latest_version


# COMMAND ----------

# DBTITLE 1, Read taxi data for training
taxi_data = rounded_taxi_data(raw_data)

# COMMAND ----------

# DBTITLE 1, Create FeatureLookups
from lakeforge.feature_engineering import FeatureLookup

pickup_features_table = dbutils.widgets.get("pickup_features_table")
dropoff_features_table = dbutils.widgets.get("dropoff_features_table")

pickup_feature_lookups = [
    FeatureLookup(
        table_name=pickup_features_table,
        feature_names=["mean_fare_window_1h_pickup_zip", "count_trips_window_1h_pickup_zip"],
        lookup_key=["pickup_zip"],
        timestamp_lookup_key=["rounded_pickup_datetime"],
    ),
]

dropoff_feature_lookups = [
    FeatureLookup(
        table_name=dropoff_features_table,
        feature_names=["count_trips_window_30m_dropoff_zip", "dropoff_is_weekend"],
        lookup_key=["dropoff_zip"],
        timestamp_lookup_key=["rounded_dropoff_datetime"],
    ),
]

# COMMAND ----------

# DBTITLE 1, Create Training Dataset
from lakeforge.feature_engineering import FeatureEngineeringClient

# End any existing runs (in the case this notebook is being run for a second time)
mlflow.end_run()

# Start an mlflow run, which is needed for the feature store to log the model
mlflow.start_run()

# Exclude the rounded timestamps: they would let the model overfit the data.
exclude_columns = ["rounded_pickup_datetime", "rounded_dropoff_datetime"]

fe = FeatureEngineeringClient()

training_set = fe.create_training_set(
    df=taxi_data,
    feature_lookups=pickup_feature_lookups + dropoff_feature_lookups,
    label="fare_amount",
    exclude_columns=exclude_columns,
)

training_df = training_set.load_df()

# COMMAND ----------

display(training_df)

# COMMAND ----------

# DBTITLE 1, Train model
import lightgbm as lgb
import mlflow.lightgbm
from sklearn.model_selection import train_test_split

features_and_label = training_df.columns

data = training_df[features_and_label]
train, test = train_test_split(data, random_state=123)
X_train = train.drop(["fare_amount"], axis=1)
X_test = test.drop(["fare_amount"], axis=1)
y_train = train.fare_amount
y_test = test.fare_amount

mlflow.lightgbm.autolog()
train_lgb_dataset = lgb.Dataset(X_train, label=y_train.values)
test_lgb_dataset = lgb.Dataset(X_test, label=y_test.values)

param = {"num_leaves": 16, "objective": "regression", "metric": "rmse", "verbose": -1}
num_rounds = 50

model = lgb.train(param, train_lgb_dataset, num_rounds)

# COMMAND ----------

# DBTITLE 1, Log model and return output.
fe.log_model(
    model=model,
    artifact_path="model_packaged",
    flavor=mlflow.lightgbm,
    training_set=training_set,
    registered_model_name=model_name,
)

model_version = get_latest_model_version(model_name)
model_uri = f"models:/{model_name}/{model_version}"
dbutils.jobs.taskValues.set("model_uri", model_uri)
dbutils.jobs.taskValues.set("model_name", model_name)
dbutils.jobs.taskValues.set("model_version", model_version)
dbutils.notebook.exit(model_uri)
