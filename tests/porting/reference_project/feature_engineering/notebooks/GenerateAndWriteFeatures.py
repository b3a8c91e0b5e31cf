# Databricks notebook source
# MAGIC %md
# MAGIC ## Generate and write features
# MAGIC
# MAGIC Computes features with the module named by `features_transform_module` and writes them to
# MAGIC the feature table `output_table_name` (created when it does not exist).

# COMMAND ----------

# MAGIC %load_ext autoreload
# MAGIC %autoreload 2

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

dbutils.widgets.text("input_table_path", "/databricks-datasets/nyctaxi-with-zipcodes/subsampled", label="Input Table Name")
dbutils.widgets.text("input_start_date", "", label="Input Start Date")
dbutils.widgets.text("input_end_date", "", label="Input End Date")
dbutils.widgets.text("timestamp_column", "tpep_pickup_datetime", label="Timestamp column")
dbutils.widgets.text("output_table_name", "main.taxi.trip_pickup_features", label="Output Feature Table Name")
dbutils.widgets.text("features_transform_module", "pickup_features", label="Features transform file.")
dbutils.widgets.text("primary_keys", "zip", label="Primary keys columns for the feature table, comma separated.")

# COMMAND ----------

import os

notebook_path = "/Workspace/" + os.path.dirname(
    dbutils.notebook.entry_point.getDbutils().notebook().getContext().notebookPath().get()
)
%cd $notebook_path
%cd ../features

# COMMAND ----------

import lakeforge

input_table_path = dbutils.widgets.get("input_table_path")
output_table_name = dbutils.widgets.get("output_table_name")
input_start_date = dbutils.widgets.get("input_start_date")
input_end_date = dbutils.widgets.get("input_end_date")
ts_column = dbutils.widgets.get("timestamp_column")
features_module = dbutils.widgets.get("features_transform_module")
pk_columns = dbutils.widgets.get("primary_keys")

assert input_table_path != "", "input_table_path notebook parameter must be specified"
assert output_table_name != "", "output_table_name notebook parameter must be specified"

output_database = output_table_name.split(".")[1]

# COMMAND ----------

# DBTITLE 1,Create database.
lakeforge.sql("CREATE DATABASE IF NOT EXISTS " + output_database)

# COMMAND ----------

# DBTITLE 1, Read input data.
raw_data = lakeforge.read_delta(input_table_path)

# COMMAND ----------

# DBTITLE 1,Compute features.
from importlib import import_module

mod = import_module(features_module)
compute_features_fn = getattr(mod, "compute_features_fn")

features_df = compute_features_fn(
    input_df=raw_data,
    timestamp_column=ts_column,
    start_date=input_start_date,
    end_date=input_end_date,
)

# COMMAND ----------

# DBTITLE 1, Write computed features.
from lakeforge.feature_engineering import FeatureEngineeringClient

fe = FeatureEngineeringClient()

fe.create_table(
    name=output_table_name,
    primary_keys=[x.strip() for x in pk_columns.split(",")] + [ts_column],
    timestamp_keys=[ts_column],
    df=features_df,
)

fe.write_table(
    name=output_table_name,
    df=features_df,
    mode="merge",
)

# COMMAND ----------

dbutils.jobs.taskValues.set("rows", len(features_df))
dbutils.notebook.exit(0)
