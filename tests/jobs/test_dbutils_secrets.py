"""``dbutils.secrets``: reference shapes, and a secret value never in logs, output or records."""

from __future__ import annotations

import io
import json
import logging
import sys
from pathlib import Path

import pytest
from _script import assert_nothing_outside, run_cli, write_files

from lakeforge.errors import SecretNotFoundError, SecretScopeNotFoundError
from lakeforge.jobs.dbutils import SecretMetadata, Secrets, SecretScope, redact
from lakeforge.jobs.dbutils import secrets as secrets_module
from lakeforge.jobs.dbutils.secrets import RedactingStream
from lakeforge.tables.secret_store import SecretStore
from lakeforge.tables.workspace import Workspace

VALUE = "hunter2-Zq7xW"


@pytest.fixture(autouse=True)
def _fresh_redaction(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts with no value to redact and with the streams it will wrap restored."""
    monkeypatch.setattr(secrets_module, "_VALUES", set())
    monkeypatch.setattr(sys, "stdout", sys.stdout)
    monkeypatch.setattr(sys, "stderr", sys.stderr)


@pytest.fixture
def secrets(ws: Workspace) -> Secrets:
    store = SecretStore(ws.settings, ws.metadata)
    store.create_scope("prod")
    store.put("prod", "db_password", VALUE)
    store.put("prod", "cert", b"\x01\x02binary")
    store.create_scope("dev")
    return Secrets(lambda: ws)


def test_get_list_and_scopes_in_the_reference_shapes(secrets: Secrets) -> None:
    assert secrets.get("prod", "db_password") == VALUE
    assert secrets.getBytes("prod", "cert") == b"\x01\x02binary"
    assert secrets.list("prod") == [SecretMetadata("cert"), SecretMetadata("db_password")]
    scopes = secrets.listScopes()
    assert scopes == [SecretScope("dev"), SecretScope("prod")]
    assert scopes[0].getName() == "dev" and scopes[0].name == "dev"
    with pytest.raises(SecretNotFoundError) as missing:
        secrets.get("prod", "db_pass")
    assert missing.value.existing == ["cert", "db_password"]
    with pytest.raises(SecretScopeNotFoundError):
        secrets.get("staging", "db_password")


def test_a_fetched_value_is_redacted_from_this_process_output(
    secrets: Secrets, capsys: pytest.CaptureFixture[str]
) -> None:
    assert redact(f"before {VALUE}") == f"before {VALUE}"  # not read yet: nothing to hide
    early = logging.StreamHandler(sys.stderr)  # made before the secret was read
    logger = logging.getLogger("lakeforge.test.secrets")
    logger.addHandler(early)
    try:
        value = secrets.get("prod", "db_password")
        assert isinstance(sys.stdout, RedactingStream)
        print(f"password={value}")
        print(value[:4], value[4:], sep="")  # in pieces, on one line
        logger.warning("connecting with %s", value)
        sys.stderr.flush()
    finally:
        logger.removeHandler(early)
    captured = capsys.readouterr()
    assert VALUE not in captured.out + captured.err
    assert captured.out.splitlines() == ["password=[REDACTED]", "[REDACTED]"]
    assert "connecting with [REDACTED]" in captured.err
    assert redact(f"exit {VALUE}") == "exit [REDACTED]"


def test_the_redacting_stream_buffers_partial_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(secrets_module, "_VALUES", {"abc-secret", "multi\nline"})
    inner = io.StringIO()
    stream = RedactingStream(inner)  # type: ignore[arg-type]
    stream.write("x=abc-")
    assert inner.getvalue() == ""  # held until the line ends
    stream.write("secret\nkey: multi\nline\ntail abc-sec")
    assert inner.getvalue() == "x=[REDACTED]\nkey: [REDACTED]\n"
    stream.flush()
    assert inner.getvalue().endswith("tail abc-sec")
    assert stream.getvalue() == inner.getvalue()  # other attributes pass through


_BUNDLE = """
bundle:
  name: secret_use

resources:
  jobs:
    secret_job:
      tasks:
        - task_key: Use
          notebook_task:
            notebook_path: ./notebooks/Use
        - task_key: Script
          spark_python_task:
            python_file: ./src/use.py

targets:
  dev:
    default: true
"""

_NOTEBOOK = """\
# Databricks notebook source
import logging

logging.basicConfig(level=logging.INFO)
log = logging.getLogger("etl")

# COMMAND ----------

password = dbutils.secrets.get(scope="prod", key="db_password")
print(f"connecting with {password}")
print(password[:5], password[5:], sep="")
log.info("password is %s", password)
password

# COMMAND ----------

dbutils.notebook.exit(f"used {password}")
"""

_SCRIPT = """
import sys

from lakeforge.runtime import dbutils

token = dbutils.secrets.getBytes("prod", "db_password").decode()
print("token", token)
print("to stderr", token, file=sys.stderr)
"""


def _everything_written(project: Path) -> str:
    files = [p for p in (project / ".lakeforge" / "runs").rglob("*") if p.is_file()]
    return "\n".join(p.read_text(errors="replace") for p in files)


@pytest.mark.slow
def test_a_bundle_task_never_shows_the_secret(tmp_path: Path) -> None:
    project = tmp_path / "project"
    write_files(
        project, {"databricks.yml": _BUNDLE, "notebooks/Use.py": _NOTEBOOK, "src/use.py": _SCRIPT}
    )
    assert run_cli(project, "secrets", "create-scope", "prod").returncode == 0
    put = run_cli(project, "secrets", "put", "prod", "db_password", stdin=VALUE + "\n")
    assert put.returncode == 0, put.stderr
    done = run_cli(project, "bundle", "run", "secret_job", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    record = json.loads(done.stdout)
    use = next(t for t in record["tasks"] if t["task_key"] == "Use")
    assert use["output"] == "used [REDACTED]"
    log = Path(use["log_path"]).read_text()
    assert "connecting with [REDACTED]" in log and "password is [REDACTED]" in log
    script_log = Path(next(t for t in record["tasks"] if t["task_key"] == "Script")["log_path"])
    assert "token [REDACTED]" in script_log.read_text()
    assert "to stderr [REDACTED]" in script_log.read_text()
    logs = run_cli(project, "jobs", "runs", "get", str(record["run_id"]), "--logs")
    for text in (done.stdout, done.stderr, logs.stdout, logs.stderr, _everything_written(project)):
        assert VALUE not in text
    assert VALUE.encode() not in (project / ".lakeforge" / "catalog.db").read_bytes()
    assert_nothing_outside(project)


_FAILING = """
from lakeforge.runtime import dbutils

password = dbutils.secrets.get("prod", "db_password")
raise ConnectionError(f"login refused for password {password}")
"""


@pytest.mark.slow
def test_a_failing_task_never_shows_the_secret_in_its_state_message(tmp_path: Path) -> None:
    project = tmp_path / "project"
    bundle = _BUNDLE.replace("./notebooks/Use", "./notebooks/Unused")
    write_files(
        project, {"databricks.yml": bundle, "notebooks/Unused.py": "", "src/use.py": _FAILING}
    )
    run_cli(project, "secrets", "create-scope", "prod")
    run_cli(project, "secrets", "put", "prod", "db_password", stdin=VALUE)
    done = run_cli(project, "bundle", "run", "secret_job", "--json")
    record = json.loads(done.stdout)
    script = next(t for t in record["tasks"] if t["task_key"] == "Script")
    assert script["result_state"] == "FAILED"
    assert script["state_message"] == "ConnectionError: login refused for password [REDACTED]"
    for text in (done.stdout, done.stderr, _everything_written(project)):
        assert VALUE not in text
