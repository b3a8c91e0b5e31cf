# Databricks notebook source
# MAGIC %md
# MAGIC ## Batch inference
# MAGIC
# MAGIC Scores the rows of `input_table_name` with the `champion` version of `model_name`.

# COMMAND ----------

import os

notebook_path = "/Workspace/" + os.path.dirname(
    dbutils.notebook.entry_point.getDbutils().notebook().getContext().notebookPath().get()
)
%cd $notebook_path

# COMMAND ----------

# MAGIC %pip install -r ../../../requirements.txt

# COMMAND ----------

dbutils.library.restartPython()

# COMMAND ----------

import os
import sys

notebook_path = "/Workspace/" + os.path.dirname(
    dbutils.notebook.entry_point.getDbutils().notebook().getContext().notebookPath().get()
)
%cd $notebook_path
%cd ..
sys.path.append("../..")

# COMMAND ----------

dbutils.widgets.dropdown("env", "dev", ["dev", "staging", "prod"], "Environment Name")
dbutils.widgets.text("input_table_name", "", label="Input Table Name")
dbutils.widgets.text("output_table_name", "", label="Output Table Name")
dbutils.widgets.text("model_name", "", label="Model Name")

# COMMAND ----------

env = dbutils.widgets.get("env")
input_table_name = dbutils.widgets.get("input_table_name")
output_table_name = dbutils.widgets.get("output_table_name")
model_name = dbutils.widgets.get("model_name")
assert input_table_name != "", "input_table_name notebook parameter must be specified"
assert output_table_name != "", "output_table_name notebook parameter must be specified"
assert model_name != "", "model_name notebook parameter must be specified"
alias = "champion"
model_uri = f"models:/{model_name}@{alias}"

# COMMAND ----------

from mlflow import MlflowClient

client = MlflowClient(registry_uri="databricks-uc")
model_version = client.get_model_version_by_alias(model_name, alias).version

# COMMAND ----------

from datetime import datetime

ts = datetime.now().strftime("%Y-%m-%d %H:%M:%S")

# COMMAND ----------

# MAGIC %sql
# MAGIC SELECT count(*) AS keys_to_score FROM main.taxi.inference_keys

# COMMAND ----------

from predict import predict_batch

predict_batch(model_uri, input_table_name, output_table_name, model_version, ts)
dbutils.notebook.exit(output_table_name)
