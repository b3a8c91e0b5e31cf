"""sqlglot is loaded only when SQL runs: not by ``import lakeforge`` nor ``lakeforge --help``."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

_CHECK = "import json, sys\n{code}\nprint(json.dumps('sqlglot' in sys.modules))\n"


@pytest.mark.parametrize(
    "code",
    [
        "import lakeforge\nlakeforge.ObjectName, lakeforge.sql, lakeforge.table",
        "from lakeforge.cli.app import app\n"
        "from typer.testing import CliRunner\n"
        "assert CliRunner().invoke(app, ['--help']).exit_code == 0",
        "from lakeforge.cli.app import app\n"
        "from typer.testing import CliRunner\n"
        "assert CliRunner().invoke(app, ['sql', '--help']).exit_code == 0",
    ],
)
def test_sqlglot_is_not_imported_until_sql_runs(code: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _CHECK.format(code=code)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) is False
