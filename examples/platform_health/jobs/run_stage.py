# Databricks notebook source
# One stage of the platform-health manifest pipeline (features, train or inference).
# Runs as a bundle job task (`lakeforge bundle run features`) or by hand with the defaults.
import json
import sys
from pathlib import Path

import lakeforge
from lakeforge.pipeline.manifest import load_manifest
from lakeforge.pipeline.run import run_pipeline
from lakeforge.runtime import dbutils

dbutils.widgets.text("stage", "features")
dbutils.widgets.text("manifest", "ml-manifest.yaml")
stage = dbutils.widgets.get("stage")
# Notebooks have no __file__ (as on the reference runtime); the context knows the notebook path.
notebook_path = dbutils.notebook.entry_point.getDbutils().notebook().getContext().notebookPath()
manifest = load_manifest(
    Path(notebook_path.get()).resolve().parents[1] / dbutils.widgets.get("manifest")
)

# COMMAND ----------
ws = lakeforge.Workspace.open()
result = run_pipeline(ws, manifest, [stage])
failed = [name for name, outcome in result.models.items() if outcome.failed]
for line in result.failures():
    print(f"failure: {line}")
for table in result.features:
    print(table.report())
dbutils.jobs.taskValues.set("state", result.state)
dbutils.jobs.taskValues.set("failed_models", len(failed))

# COMMAND ----------
if result.state != "SUCCESS":
    # an explicit failure: the task (and the job) must not report success
    sys.exit(f"FAILED: {stage} ended {result.state}: {'; '.join(result.failures())}")
dbutils.notebook.exit(json.dumps({"stage": stage, "state": result.state, "run": result.run_id}))
