"""House rules that keep the codebase in shape (architecture.md)."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "lakeforge"
MODULES = sorted(SRC.rglob("*.py"))


def test_only_settings_reads_the_environment() -> None:
    offenders = []
    for path in MODULES:
        if path.name == "settings.py":
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in {"environ", "getenv"}:
                offenders.append(f"{path.relative_to(SRC)}:{node.lineno}")
    assert offenders == []


def test_modules_stay_small() -> None:
    too_long = {
        str(p.relative_to(SRC)): n for p in MODULES if (n := len(p.read_text().splitlines())) > 800
    }
    assert too_long == {}


def test_functions_stay_short() -> None:
    long_functions = []
    for path in MODULES:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef) and node.end_lineno:
                length = node.end_lineno - node.lineno + 1
                if length > 100:
                    long_functions.append(f"{path.relative_to(SRC)}:{node.name} ({length})")
    assert long_functions == []


def test_no_grab_bag_modules() -> None:
    names = {p.stem for p in MODULES}
    assert not names & {"utils", "helpers", "misc", "common"}


def test_error_classes_live_only_in_errors_module() -> None:
    offenders = []
    for path in MODULES:
        if path.parent.name == "errors" and path.parent.parent == SRC:
            continue  # the error tree's own package
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef) and node.name.endswith("Error"):
                offenders.append(f"{path.relative_to(SRC)}:{node.name}")
    assert offenders == []
