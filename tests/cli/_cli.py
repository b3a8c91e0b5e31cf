"""Invoke the CLI in-process as ``main()`` would: lakeforge errors become exit codes."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from lakeforge.cli import exit_codes
from lakeforge.cli.app import app
from lakeforge.errors import LakeforgeError

runner = CliRunner()


def cli(ws: Path, *args: str) -> tuple[int, str]:
    """``lakeforge --workspace WS ARGS``: (exit code, stdout) on success, (code, message or all
    output) on failure."""
    result = runner.invoke(app, ["--workspace", str(ws), *args], catch_exceptions=True)
    error = result.exception
    if isinstance(error, LakeforgeError):
        return exit_codes.exit_code(error), str(error)
    if error and not isinstance(error, SystemExit):
        raise error
    return result.exit_code, result.stdout if result.exit_code == 0 else result.output
