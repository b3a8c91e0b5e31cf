# Databricks notebook source
# MAGIC %md
# MAGIC ## Model validation
# MAGIC
# MAGIC Evaluates the candidate model version of the Train task on the validation input and
# MAGIC checks the thresholds of `validation/validation.py`. In `dry_run` mode failed rules are
# MAGIC recorded but do not block deployment.

# COMMAND ----------

import os

notebook_path = "/Workspace/" + os.path.dirname(
    dbutils.notebook.entry_point.getDbutils().notebook().getContext().notebookPath().get()
)
%cd $notebook_path
%cd ../

# COMMAND ----------

dbutils.widgets.text("experiment_name", "/dev-taxi-experiment", "Experiment Name")
dbutils.widgets.dropdown("run_mode", "disabled", ["disabled", "dry_run", "enabled"], "Run Mode")
dbutils.widgets.dropdown("enable_baseline_comparison", "false", ["true", "false"], "Enable Baseline Comparison")
dbutils.widgets.text("validation_input", "SELECT * FROM delta.`dbfs:/databricks-datasets/nyctaxi-with-zipcodes/subsampled`", "Validation Input")
dbutils.widgets.text("model_type", "regressor", "Model Type")
dbutils.widgets.text("targets", "fare_amount", "Targets")
dbutils.widgets.text("custom_metrics_loader_function", "custom_metrics", "Custom Metrics Loader Function")
dbutils.widgets.text("validation_thresholds_loader_function", "validation_thresholds", "Validation Thresholds Loader Function")
dbutils.widgets.text("evaluator_config_loader_function", "evaluator_config", "Evaluator Config Loader Function")
dbutils.widgets.text("model_name", "dev.taxi.taxi-fare-model", "Full (Three-Level) Model Name")
dbutils.widgets.text("model_version", "", "Candidate Model Version")

# COMMAND ----------

run_mode = dbutils.widgets.get("run_mode").lower()
assert run_mode == "disabled" or run_mode == "dry_run" or run_mode == "enabled"

if run_mode == "disabled":
    print("Model validation is in DISABLED mode. Exit model validation without blocking model deployment.")
    dbutils.notebook.exit(0)
dry_run = run_mode == "dry_run"

# COMMAND ----------

import importlib
import os
import tempfile
import traceback

import lakeforge
import mlflow
from mlflow.tracking.client import MlflowClient

client = MlflowClient(registry_uri="databricks-uc")
mlflow.set_registry_uri("databricks-uc")

experiment_name = dbutils.widgets.get("experiment_name")
mlflow.set_experiment(experiment_name)

model_uri = dbutils.jobs.taskValues.get("Train", "model_uri", debugValue="")
model_name = dbutils.jobs.taskValues.get("Train", "model_name", debugValue="")
model_version = dbutils.jobs.taskValues.get("Train", "model_version", debugValue="")

if model_uri == "":
    model_name = dbutils.widgets.get("model_name")
    model_version = dbutils.widgets.get("model_version")
    model_uri = "models:/" + model_name + "/" + model_version

assert model_uri != "", "model_uri notebook parameter must be specified"
assert model_name != "", "model_name notebook parameter must be specified"
assert model_version != "", "model_version notebook parameter must be specified"

# COMMAND ----------

validation_input = dbutils.widgets.get("validation_input")
assert validation_input
data = lakeforge.sql(validation_input)

model_type = dbutils.widgets.get("model_type")
targets = dbutils.widgets.get("targets")

validation = importlib.import_module("validation")
custom_metrics = getattr(validation, dbutils.widgets.get("custom_metrics_loader_function"))()
validation_thresholds = getattr(validation, dbutils.widgets.get("validation_thresholds_loader_function"))()
evaluator_config = getattr(validation, dbutils.widgets.get("evaluator_config_loader_function"))()

# COMMAND ----------

def get_run_link(run_info):
    return "[Run](#mlflow/experiments/{0}/runs/{1})".format(run_info.experiment_id, run_info.run_id)


def get_training_run(model_name, model_version):
    version = client.get_model_version(model_name, model_version)
    return mlflow.get_run(run_id=version.run_id)


def log_to_model_description(run, success):
    run_link = get_run_link(run.info)
    description = client.get_model_version(model_name, model_version).description or ""
    status = "SUCCESS" if success else "FAILURE"
    if description != "":
        description += "\n\n---\n\n"
    description += "Model Validation Status: {0}\nValidation Details: {1}".format(status, run_link)
    client.update_model_version(name=model_name, version=model_version, description=description)

# COMMAND ----------

def rounded_taxi_data(taxi_data_df):
    taxi_data_df = taxi_data_df.assign(
        rounded_pickup_datetime=taxi_data_df["tpep_pickup_datetime"].dt.ceil("15min"),
        rounded_dropoff_datetime=taxi_data_df["tpep_dropoff_datetime"].dt.ceil("30min"),
    )
    return taxi_data_df.drop(columns=["tpep_pickup_datetime", "tpep_dropoff_datetime"])


data = rounded_taxi_data(data)

# COMMAND ----------

from lakeforge.feature_store import FeatureStoreClient


def get_fs_model(df):
    fs_client = FeatureStoreClient()
    return fs_client.score_batch(model_uri, df)[["prediction"]]

# COMMAND ----------

training_run = get_training_run(model_name, model_version)

with mlflow.start_run(
    run_name=training_run.info.run_name + "-validation",
    description="Model Training Details: {0}\n".format(get_run_link(training_run.info)),
) as run, tempfile.TemporaryDirectory() as tmp_dir:
    validation_thresholds_file = os.path.join(tmp_dir, "validation_thresholds.txt")
    with open(validation_thresholds_file, "w") as f:
        for metric_name in validation_thresholds:
            f.write("{0:30}  {1}\n".format(metric_name, str(validation_thresholds[metric_name])))
    mlflow.log_artifact(validation_thresholds_file)

    try:
        eval_result = mlflow.evaluate(
            model=get_fs_model,
            data=data,
            targets=targets,
            model_type=model_type,
            evaluators="default",
            extra_metrics=custom_metrics,
            evaluator_config=evaluator_config,
        )
        mlflow.validate_evaluation_results(validation_thresholds, eval_result)
        log_to_model_description(run, True)
        print("Validation checks passed.")
    except Exception as err:
        log_to_model_description(run, False)
        error_file = os.path.join(tmp_dir, "error.txt")
        with open(error_file, "w") as f:
            f.write("Validation failed : " + str(err) + "\n")
            f.write(traceback.format_exc())
        mlflow.log_artifact(error_file)
        if not dry_run:
            raise err
        print("Model validation failed in DRY_RUN. It will not block model deployment.")

    dbutils.jobs.taskValues.set("validated", True)

# COMMAND ----------

dbutils.notebook.exit(0)
