"""Notebook tasks through IPython: source notebooks and .ipynb cell by cell, IPython's magics,
the reference's cell languages, %run, display, and failures named by file, cell and line
(real task processes, real workspaces)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import nbformat
import pytest
import yaml

from lakeforge.jobs.bundle import load_bundle
from lakeforge.jobs.notebook_source import is_notebook, read_notebook
from lakeforge.jobs.records import JobRun
from lakeforge.jobs.runner import RunOptions, run_job
from lakeforge.tables.workspace import Workspace

HEADER = "# Databricks notebook source\n"
SEP = "\n# COMMAND ----------\n\n"


def source(*cells: str) -> str:
    """A .py source notebook of ``cells`` (each dedented)."""
    return HEADER + SEP.join(textwrap.dedent(c).strip() + "\n" for c in cells)


def magic(text: str) -> str:
    """A cell whose lines are all ``# MAGIC``."""
    return "\n".join(
        f"# MAGIC {line}".rstrip() for line in textwrap.dedent(text).strip().split("\n")
    )


def bundle(root: Path, files: dict[str, str], notebooks: list[str]) -> Path:
    """A bundle with job ``j``: one notebook task per name in ``notebooks`` (files in src/)."""
    for name, text in files.items():
        path = root / "src" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    tasks = [
        {"task_key": Path(n).name.split(".")[0], "notebook_task": {"notebook_path": f"src/{n}"}}
        for n in notebooks
    ]
    spec = {"bundle": {"name": "nb"}, "resources": {"jobs": {"j": {"tasks": tasks}}}}
    (root / "databricks.yml").write_text(yaml.safe_dump(spec))
    return root


def run(ws: Workspace, root: Path) -> JobRun:
    return run_job(ws.settings, load_bundle(root), "j", options=RunOptions(grace_s=1.0))


def log(record: JobRun, key: str) -> str:
    return Path(str(record.final_tasks()[key].log_path)).read_text()


# -- parsing (no process) ---------------------------------------------------------------------


def test_source_notebooks_split_into_cells_with_languages_and_file_lines(tmp_path: Path) -> None:
    text = source(
        magic("%md\n# Title"),
        "# DBTITLE 1,Setup\nimport os\n%cd /tmp",
        "# DBTITLE 1,Query\n" + magic("%sql\nSELECT 1\n  AS a"),
        magic("%sh ls -l\necho hi"),
        magic("%md-sandbox\n<b>x</b>"),
        magic("%load_ext autoreload\n%autoreload 2"),
    )
    path = tmp_path / "nb.py"
    path.write_text(text)
    assert is_notebook(path) and not is_notebook(tmp_path / "missing.py")
    cells = read_notebook(path).cells
    assert [(c.number, c.language) for c in cells] == [
        (1, "md"),
        (2, "python"),
        (3, "sql"),
        (4, "sh"),
        (5, "md"),
        (6, "python"),
    ]
    lines = text.splitlines()
    for cell in cells:
        first = cell.source.splitlines()[0]
        assert lines[cell.line - 1].endswith(first), (cell, lines[cell.line - 1])
    assert cells[1].source.startswith("# DBTITLE") and "%cd /tmp" in cells[1].source
    assert cells[2].source == "SELECT 1\n  AS a"
    assert (cells[3].argument, cells[3].source) == ("ls -l", "echo hi")
    assert cells[5].source == "%load_ext autoreload\n%autoreload 2"
    plain = tmp_path / "plain.py"
    plain.write_text("print('x')\n")
    assert not is_notebook(plain)


def test_ipynb_cells_keep_their_numbers_and_default_language(tmp_path: Path) -> None:
    book = nbformat.v4.new_notebook()
    book.cells = [
        nbformat.v4.new_markdown_cell("# hi"),
        nbformat.v4.new_code_cell("\n\nSELECT 1"),
        nbformat.v4.new_code_cell("%python\nx = 1"),
    ]
    book.metadata["application/vnd.databricks.v1+notebook"] = {"language": "sql"}
    path = tmp_path / "nb.ipynb"
    nbformat.write(book, str(path))
    cells = read_notebook(path).cells
    assert [(c.number, c.language, c.line) for c in cells] == [
        (1, "md", 1),
        (2, "sql", 3),
        (3, "python", 2),
    ]


# -- running (task processes) -----------------------------------------------------------------

MODULE_V1 = "def answer():\n    return 'v1'\n"

MAIN = source(
    magic("%md\n# A reference-style notebook\nNothing here runs."),
    magic("%load_ext autoreload\n%autoreload 2"),
    """
    import os, sys
    # the reference templates cd to '/Workspace/' + the notebook's folder
    notebook_path = '/Workspace/' + os.getcwd()
    %cd $notebook_path
    start = os.getcwd()
    first_path = sys.path[0]
    %env GREETING=hello
    echoed = !echo "$GREETING from the shell"
    """,
    "import helper_mod\nbefore = helper_mod.answer()",
    """
    import pathlib, time
    module = pathlib.Path('helper_mod.py')
    module.write_text(module.read_text().replace("'v1'", "'v2'"))
    os.utime(module, (time.time() + 10, time.time() + 10))
    """,
    "after = helper_mod.answer()  # %autoreload 2 picked up the edit",
    magic("%run ./lib/common"),
    magic("%python\nfrom_python = shared + 1"),
    magic(
        """
        %sh
        pwd > sh_pwd.txt
        echo "sh ran"
        """
    ),
    magic(
        """
        %sql
        CREATE TABLE main.default.notes (id INT, note STRING);
        INSERT INTO main.default.notes VALUES (1, 'a'), (2, 'b');
        SELECT count(*) AS n FROM main.default.notes
        """
    ),
    """
    import pandas as pd, polars as pl, pyarrow as pa
    display(pd.DataFrame({"a": range(3000)}))
    display(pl.DataFrame({"b": [1, 2]}))
    display(pa.table({"c": ["x"]}))
    displayHTML("<h1>report</h1>")
    display(object())
    from lakeforge.runtime import dbutils as imported, display as imported_display
    imported_display({"k": 1})
    """,
    "here = os.getcwd()\n%fs ls file:$here/lib",
    """
    import json
    facts = {
        "start": start, "first_path": first_path, "echoed": echoed[0],
        "before": before, "after": after, "shared": shared, "deep": deep,
        "from_python": from_python, "sqldf": int(_sqldf["n"][0]),
        "same_dbutils": imported is dbutils, "sh_pwd": open("sh_pwd.txt").read().strip(),
    }
    dbutils.notebook.exit(json.dumps(facts))
    """,
    "raise AssertionError('cells after notebook.exit must not run')",
)
COMMON = source("shared = 41\nfrom_common = True", magic("%run ./deeper/leaf"))
LEAF = source("deep = 'leaf ran'")


def test_a_reference_style_notebook_runs_through_ipython(ws: Workspace, tmp_path: Path) -> None:
    root = bundle(
        tmp_path / "b",
        {
            "main.py": MAIN,
            "helper_mod.py": MODULE_V1,
            "lib/common.py": COMMON,
            "lib/deeper/leaf.py": LEAF,
        },
        ["main"],
    )
    record = run(ws, root)
    task = record.final_tasks()["main"]
    assert task.result_state == "SUCCESS", (task.state_message, log(record, "main"))
    facts = json.loads(str(task.output))
    folder = str((root / "src").resolve())
    assert facts == {
        "start": folder,
        "first_path": folder,
        "echoed": "hello from the shell",
        "before": "v1",
        "after": "v2",
        "shared": 41,
        "deep": "leaf ran",
        "from_python": 42,
        "sqldf": 2,
        "same_dbutils": True,
        "sh_pwd": folder,
    }
    text = log(record, "main")
    assert "sh ran" in text and "Nothing here runs" not in text
    assert "[2] INSERT" in text and "[display 2] pandas table: 1000 of 3000 rows" in text
    task_dir = Path(str(task.log_path)).parent
    assert "n" in (task_dir / "display-1.txt").read_text()  # the SELECT's result
    assert (task_dir / "display-2.txt").read_text().count("\n") == 1000  # header + 999 rows
    assert "<h1>report</h1>" in (task_dir / "display-5.html").read_text()
    assert "object object" in (task_dir / "display-6.txt").read_text()
    assert "{'k': 1}" in (task_dir / "display-7.txt").read_text()  # one numbering per task
    assert "common.py" in (task_dir / "display-8.txt").read_text()  # %fs ls
    assert ws.tables.read("main.default.notes").num_rows == 2


def _ipynb(*cells: str) -> str:
    book = nbformat.v4.new_notebook()
    book.cells = [nbformat.v4.new_markdown_cell("# notes")]
    book.cells += [nbformat.v4.new_code_cell(textwrap.dedent(c).strip()) for c in cells]
    return str(nbformat.writes(book))


BAD_SYNTAX = source("x = 1", "y = 2", "z = 3\nif z:\nprint('unindented')", "never = True")
BAD_CALL = source("def f():\n    raise ValueError('bad value 7')", "x = 1\nf()")
BAD_SH = source(magic("%sh\necho partial\nexit 3"), "never = True")
BAD_MAGIC = source("%frobnicate now")
BAD_LANGUAGE = source("x = 1", magic("%scala\nval x = 1"))
BAD_RUN = source(magic("%run ./does_not_exist"))
FAILED_EXIT = source("dbutils.notebook.exit('FAILED: no rows')")
SYS_EXIT = source("import sys\nsys.exit(3)")
INCLUDES_BAD = source("x = 1", "# MAGIC %run ./lib/bad")
BAD_INCLUDED = source("ok = True", "value = {}\nvalue['missing']")


def test_failures_name_the_notebook_cell_and_line(ws: Workspace, tmp_path: Path) -> None:
    files = {
        "syntax.py": BAD_SYNTAX,
        "call.py": BAD_CALL,
        "sh.py": BAD_SH,
        "magic.py": BAD_MAGIC,
        "language.py": BAD_LANGUAGE,
        "missing_run.py": BAD_RUN,
        "failed_exit.py": FAILED_EXIT,
        "sys_exit.py": SYS_EXIT,
        "book.ipynb": _ipynb("a = 1", "b = 2\nc = a / 0"),
        "includes.py": INCLUDES_BAD,
    }
    root = bundle(tmp_path / "b", files | {"lib/bad.py": BAD_INCLUDED}, list(files))
    record = run(ws, root)
    final = record.final_tasks()
    assert {k: t.result_state for k, t in final.items()} == dict.fromkeys(
        [Path(n).name.split(".")[0] for n in files], "FAILED"
    )
    src = (root / "src").resolve()
    messages = {k: str(t.state_message) for k, t in final.items()}
    # cell 3 of syntax.py starts at file line 10; the unindented print is line 12
    assert messages["syntax"].startswith("syntax.py, cell 3, line 12: IndentationError")
    assert messages["call"].startswith("call.py, cell 2, line 8: ValueError: bad value 7. Fix")
    assert messages["sh"].startswith("sh.py, cell 1, line 2: ShellCommandError: %sh exited")
    assert "status 3" in messages["sh"]
    assert "`%frobnicate` not found" in messages["magic"]
    assert "cell 2" in messages["language"] and "%scala" in messages["language"]
    assert "does_not_exist" in messages["missing_run"]
    assert messages["failed_exit"] == "FAILED: no rows"
    assert final["sys_exit"].exit_code == 3
    assert messages["book"].startswith("book.ipynb, cell 3, line 2: ZeroDivisionError")
    # an included notebook's failure names that notebook (relative to the task's)
    assert messages["includes"].startswith("lib/bad.py, cell 2, line 7: KeyError: 'missing'")
    assert "partial" in log(record, "sh")
    call_log = log(record, "call")
    assert f'File "{src / "call.py"}", line 3, in f' in call_log  # notebook lines in the trace
    assert "IndentationError" in log(record, "syntax")
    for key in ("syntax", "sh"):
        assert "never" not in str(final[key].output or "")


PARENT = source(
    """
    value = dbutils.notebook.run("./child", 60, {"n": "4"})
    dbutils.notebook.exit(f"child said {value}")
    """
)
CHILD = source(
    magic("%sh\necho child shell"),
    'n = int(dbutils.widgets.get("n"))\ndbutils.notebook.exit(str(n * 10))',
)


def test_notebook_run_children_run_through_the_same_runner(ws: Workspace, tmp_path: Path) -> None:
    root = bundle(tmp_path / "b", {"parent.py": PARENT, "child.py": CHILD}, ["parent"])
    record = run(ws, root)
    task = record.final_tasks()["parent"]
    assert task.result_state == "SUCCESS", (task.state_message, log(record, "parent"))
    assert task.output == "child said 40"


def test_display_never_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import pandas as pd
    import polars as pl

    from lakeforge.jobs.display import Display

    class Broken:
        def __repr__(self) -> str:
            raise RuntimeError("no repr")

    class Figure:
        def savefig(self, path: Path) -> None:
            Path(path).write_bytes(b"png")

    class Rich:
        def _repr_html_(self) -> str:
            return "<i>rich</i>"

    shown = Display(tmp_path / "out")
    shown.display(pl.DataFrame({"a": [1, 2]}).lazy())
    shown.display(pd.Series([1, 2], name="s"))
    shown.display(Broken())
    shown.display(Figure())
    shown.display(Rich())
    shown.display_html("<p>x</p>")
    printed = capsys.readouterr().out
    assert "[display 1] polars table: first 2 rows" in printed
    assert "[display 2] series table: 2 of 2 rows" in printed
    assert "[display 3] could not render Broken: no repr" in printed
    assert (tmp_path / "out" / "display-4.png").read_bytes() == b"png"
    assert (tmp_path / "out" / "display-5.html").read_text() == "<i>rich</i>"
    assert (tmp_path / "out" / "display-6.html").read_text() == "<p>x</p>"
    Display(None).display(pd.DataFrame({"a": [1]}))  # outside a task: a log line, no file
    assert "[display 1] pandas table: 1 of 1 rows x 1 columns\n" in capsys.readouterr().out


@pytest.mark.slow
def test_bundle_run_of_a_source_notebook_in_a_fresh_directory(tmp_path: Path) -> None:
    """A user's view: a fresh directory, `lakeforge bundle run`, nothing but the CLI."""
    from _script import run_cli, write_files

    folder = tmp_path / "project"
    notebook = source(
        magic("%load_ext autoreload\n%autoreload 2"),
        "import os\nnotebook_path = '/Workspace/' + os.getcwd()\n%cd $notebook_path",
        magic("%sh\necho shell ok"),
        "display({'rows': 3})\ndbutils.notebook.exit('ok')",
    )
    files: dict[str, Any] = {
        "databricks.yml": """
            bundle: {name: fresh}
            resources:
              jobs:
                train:
                  tasks:
                    - task_key: train
                      notebook_task: {notebook_path: notebooks/Train}
                    - task_key: broken
                      notebook_task: {notebook_path: notebooks/Broken}
        """,
        "notebooks/Train.py": notebook,
        "notebooks/Broken.py": source("x = 1", "y = 2", "z = (3,"),
    }
    write_files(folder, files)
    done = run_cli(folder, "bundle", "run", "train")
    assert done.returncode == 1, done.stdout + done.stderr
    output = done.stdout + done.stderr
    assert "Broken.py, cell 3, line" in output and "SyntaxError" in output
    runs = sorted((folder / ".lakeforge" / "runs").glob("*/tasks/train/output.txt"))
    assert runs and runs[-1].read_text() == "ok"
    assert "shell ok" in runs[-1].with_name("attempt-0.log").read_text()


def test_display_files_never_hold_a_secret_value(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from lakeforge.jobs.dbutils import secrets
    from lakeforge.jobs.display import Display

    monkeypatch.setattr(secrets, "_VALUES", {"hunter2-secret"})  # as after dbutils.secrets.get
    shown = Display(tmp_path)
    shown.display({"password": "hunter2-secret"})
    shown.display_html("<p>hunter2-secret</p>")
    capsys.readouterr()
    written = "".join(p.read_text() for p in tmp_path.glob("display-*"))
    assert "hunter2-secret" not in written and written.count("[REDACTED]") == 2
