"""Relative paths in bundle resources made absolute against the YAML file that holds them.

Task files (notebooks, Python and SQL files) are paths by definition; wheel libraries and
environment dependencies only when they look like one (``./x``, ``../x``, ``*.whl``), since
``scikit-learn==1.5`` is not a path. References (``${...}``) and URLs are left alone.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

_PATHLIKE = re.compile(r"^\.{1,2}/|\.whl$")


def _absolute(value: Any, base: Path, *, always: bool) -> Any:
    """``value`` made absolute against ``base`` when it is a relative local path.

    Task files (``always``) are paths by definition; libraries and dependencies only when they
    look like one (``./x``, ``../x``, ``*.whl``), since ``scikit-learn==1.5`` is not a path.
    """
    if not isinstance(value, str) or not value or "${" in value or "://" in value:
        return value
    if Path(value).is_absolute() or not (always or _PATHLIKE.search(value)):
        return value
    return str((base / value).resolve())


def absolute_paths(resources: Any, base: Path) -> None:
    """Make task files (SQL files too), wheel libraries and path-like dependencies absolute
    (in place)."""
    jobs = resources.get("jobs") if isinstance(resources, dict) else None
    for job in jobs.values() if isinstance(jobs, dict) else ():
        for task in (job or {}).get("tasks") or []:
            for kind, key in (
                ("notebook_task", "notebook_path"),
                ("spark_python_task", "python_file"),
            ):
                spec = task.get(kind) if isinstance(task, dict) else None
                if isinstance(spec, dict) and key in spec:
                    spec[key] = _absolute(spec[key], base, always=True)
            sql = task.get("sql_task") if isinstance(task, dict) else None
            sql_file = sql.get("file") if isinstance(sql, dict) else None
            if isinstance(sql_file, dict) and "path" in sql_file:
                sql_file["path"] = _absolute(sql_file["path"], base, always=True)
            for library in (task.get("libraries") if isinstance(task, dict) else None) or []:
                if isinstance(library, dict) and "whl" in library:
                    library["whl"] = _absolute(library["whl"], base, always=False)
        for env in (job or {}).get("environments") or []:
            spec = env.get("spec") if isinstance(env, dict) else None
            if isinstance(spec, dict) and isinstance(spec.get("dependencies"), list):
                deps = spec["dependencies"]
                spec["dependencies"] = [_absolute(d, base, always=False) for d in deps]


__all__ = ["absolute_paths"]
