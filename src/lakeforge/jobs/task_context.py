"""What a task process is started with: the run, the task, its parameters and where to write.

The runner writes one JSON file per attempt and passes its path in ``LAKEFORGE_TASK_CONTEXT``;
the launcher (:mod:`.launcher`) and ``dbutils`` (:mod:`.dbutils`) read it back. A plain
dataclass, not a pydantic model: every task process reads it first thing, and building the
model cost each task start about 70 ms (bench/notebook_start.py).
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lakeforge.errors import ValidationError

# A task's output (its notebook.exit value) is kept up to this size, as the reference does.
OUTPUT_LIMIT = 5 * 1024 * 1024


@dataclass(slots=True, kw_only=True)
class TaskContext:
    """One task attempt as the task process sees it."""

    run_id: int
    job_key: str
    task_key: str
    attempt: int = 0
    kind: str
    file: str | None = None
    argv: list[str] = field(default_factory=list)
    package_name: str | None = None
    entry_point: str | None = None
    widgets: dict[str, str] = field(default_factory=dict)
    runs_dir: str
    output_file: str
    error_file: str

    @property
    def values_dir(self) -> Path:
        """Where task values of this run are kept (one JSON file per task)."""
        return Path(self.runs_dir) / str(self.run_id) / "values"

    def write(self, path: Path) -> Path:
        """Save the context to ``path``."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(dataclasses.asdict(self), indent=2))
        return path

    @classmethod
    def read(cls, path: Path) -> TaskContext:
        """Load a saved context.

        Raises:
            ValidationError: The file is not a task context this lakeforge wrote.
        """
        try:
            data: Any = json.loads(path.read_text())
            return cls(**data)
        except (ValueError, TypeError) as exc:
            raise ValidationError(
                f"task context {path} cannot be read ({exc})",
                "start tasks with `lakeforge bundle run`, which writes this file",
            ) from None


def write_capped(path: str, text: str) -> None:
    """Write a task's output or error file: at most :data:`OUTPUT_LIMIT` bytes of ``text``."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(text.encode()[:OUTPUT_LIMIT])


def failure_line(exc: BaseException) -> str:
    """``Type: first line of the message``: an exception as a task's state message."""
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0] if text else ''}"


__all__ = ["OUTPUT_LIMIT", "TaskContext", "failure_line", "write_capped"]
