# Databricks notebook source
# MAGIC %md
# MAGIC ## Model deployment
# MAGIC
# MAGIC Gives the model version the Train task registered the `champion` alias.

# COMMAND ----------

import os

notebook_path = "/Workspace/" + os.path.dirname(
    dbutils.notebook.entry_point.getDbutils().notebook().getContext().notebookPath().get()
)
%cd $notebook_path
%cd ..

# COMMAND ----------

dbutils.widgets.dropdown("env", "None", ["None", "staging", "prod", "dev"], "Environment Name")

# COMMAND ----------

import sys

sys.path.append("..")

# COMMAND ----------

from deploy import deploy

model_uri = dbutils.jobs.taskValues.get("Train", "model_uri", debugValue="")
env = dbutils.widgets.get("env")
assert env != "None", "env notebook parameter must be specified"
assert model_uri != "", "model_uri notebook parameter must be specified"
deploy(model_uri, env)

# COMMAND ----------

print(f"Successfully completed model deployment for {model_uri}")
