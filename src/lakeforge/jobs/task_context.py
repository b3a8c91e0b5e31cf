"""What a task process is started with: the run, the task, its parameters and where to write.

The runner writes one JSON file per attempt and passes its path in ``LAKEFORGE_TASK_CONTEXT``;
the launcher (:mod:`.launcher`) and ``dbutils`` (:mod:`.dbutils`) read it back.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field


class TaskContext(BaseModel):
    """One task attempt as the task process sees it."""

    run_id: int
    job_key: str
    task_key: str
    attempt: int = 0
    kind: str
    file: str | None = None
    argv: list[str] = Field(default_factory=list)
    package_name: str | None = None
    entry_point: str | None = None
    widgets: dict[str, str] = Field(default_factory=dict)
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
        path.write_text(self.model_dump_json(indent=2))
        return path

    @classmethod
    def read(cls, path: Path) -> TaskContext:
        """Load a saved context."""
        return cls.model_validate_json(path.read_text())


__all__ = ["TaskContext"]
