"""A ``dbutils`` call that does not exist names itself and lists what does."""

from __future__ import annotations

import copy
import json
import pickle
from pathlib import Path

import pytest
from _script import run_cli, write_files

from lakeforge.errors import LakeforgeError, UnknownUtilityError
from lakeforge.jobs.dbutils import DBUtils

CHAIN = "dbutils.notebook.entry_point.getDbutils().notebook().getContext()"


@pytest.mark.parametrize(
    ("call", "listed"),
    [
        (lambda d: d.foo, ("dbutils.foo", "fs, help, jobs, library, notebook, secrets, widgets")),
        (lambda d: d.credentials, ("dbutils.credentials", "secrets")),
        (lambda d: d.fs.lss, ("dbutils.fs.lss", "cp, head, help, ls, mkdirs, mounts, mv, put, rm")),
        (lambda d: d.secrets.getSecret, ("dbutils.secrets.getSecret", "get, getBytes, help")),
        (lambda d: d.widgets.textbox, ("dbutils.widgets.textbox", "dropdown, get, getAll")),
        (lambda d: d.jobs.values, ("dbutils.jobs.values", "help, taskValues")),
        (lambda d: d.jobs.taskValues.put, ("dbutils.jobs.taskValues.put", "get, help, set")),
        (lambda d: d.notebook.ext, ("dbutils.notebook.ext", "entry_point, exit, getContext")),
        (
            lambda d: d.notebook.entry_point.getDbutils().notebook().getContext().baz,
            (f"{CHAIN}.baz", "apiToken, apiUrl, currentRunId"),
        ),
        (lambda d: d.notebook.entry_point.getDbutils().fs, ("getDbutils().fs", "notebook")),
        (lambda d: d.library.install, ("dbutils.library.install", "restartPython")),
    ],
)
def test_unknown_members_name_themselves_and_list_what_exists(
    call: object, listed: tuple[str, str]
) -> None:
    dbutils = DBUtils(None)
    with pytest.raises(UnknownUtilityError) as error:
        call(dbutils)  # type: ignore[operator]
    message = str(error.value)
    name, members = listed
    assert f"{name} does not exist" in message
    assert members in message
    assert isinstance(error.value, AttributeError) and isinstance(error.value, LakeforgeError)


def test_unknown_members_behave_as_attribute_errors() -> None:
    dbutils = DBUtils(None)
    assert not hasattr(dbutils, "nope") and not hasattr(dbutils.fs, "nope")
    assert getattr(dbutils.secrets, "nope", 7) == 7
    with pytest.raises(AttributeError):
        dbutils._private  # noqa: B018 - private names get the plain error
    with pytest.raises(UnknownUtilityError) as error:
        dbutils.ctx  # noqa: B018
    assert "context" not in error.value.members  # lakeforge's own attribute is not listed
    copy.copy(dbutils.widgets)  # copy/pickle probe special names: plain AttributeErrors
    pickle.loads(pickle.dumps(dbutils.jobs.taskValues))


def test_help_lists_members(capsys: pytest.CaptureFixture[str]) -> None:
    dbutils = DBUtils(None)
    dbutils.fs.help()
    out = capsys.readouterr().out
    assert out.startswith("dbutils.fs provides:")
    assert "  ls: The entries of a folder" in out
    dbutils.secrets.help("get")
    assert "dbutils.secrets.get: The value of" in capsys.readouterr().out


_BUNDLE = """
bundle:
  name: typo
resources:
  jobs:
    typo_job:
      tasks:
        - task_key: Typo
          notebook_task:
            notebook_path: ./notebooks/Typo
targets:
  dev:
    default: true
"""

_NOTEBOOK = """\
# Databricks notebook source
files = dbutils.fs.lss("/")
"""


@pytest.mark.slow
def test_a_typo_fails_the_task_with_the_call_named(tmp_path: Path) -> None:
    project = tmp_path / "project"
    write_files(project, {"databricks.yml": _BUNDLE, "notebooks/Typo.py": _NOTEBOOK})
    done = run_cli(project, "bundle", "run", "typo_job", "--json")
    assert done.returncode == 1
    task = json.loads(done.stdout)["tasks"][0]
    assert task["result_state"] == "FAILED"
    assert "dbutils.fs.lss does not exist; dbutils.fs has: cp, head" in task["state_message"]
    assert "Typo.py" in task["state_message"]
