"""``lakeforge init --template pipeline <dir>``: a project skeleton that passes its own tests.

The template (``jobs/templates/pipeline``) holds a bundle with one job per pipeline stage, a
manifest with a feature table and a model, the stage scripts and the shared code they import,
sample gold data and tests. Files are copied with ``__PROJECT__`` replaced by the project name
(the directory name as an identifier); nothing existing is overwritten.
"""

from __future__ import annotations

import re
from pathlib import Path

from lakeforge.errors import AlreadyExistsError, ValidationError

TEMPLATES = Path(__file__).parent / "templates"
SUFFIX = ".tmpl"
PLACEHOLDER = "__PROJECT__"


def project_name(directory: Path) -> str:
    """The directory name as a lowercase identifier (it names the bundle and the model)."""
    name = re.sub(r"[^a-z0-9_]", "_", directory.resolve().name.lower()).strip("_")
    if not name or not name[0].isalpha():
        name = f"project_{name}" if name else "project"
    return name


def templates() -> list[str]:
    """The available template names."""
    return sorted(p.name for p in TEMPLATES.iterdir() if p.is_dir())


def scaffold(template: str, directory: Path) -> list[Path]:
    """Create a project from ``template`` in ``directory``; return the files written.

    Raises:
        ValidationError: Unknown template.
        AlreadyExistsError: ``directory`` exists and is not empty.
    """
    source = TEMPLATES / template
    if not source.is_dir():
        raise ValidationError(f"template {template!r} does not exist", f"use one of {templates()}")
    if directory.exists() and any(directory.iterdir()):
        raise AlreadyExistsError("directory", str(directory))
    name = project_name(directory)
    written = []
    for path in sorted(source.rglob(f"*{SUFFIX}")):
        target = directory / path.relative_to(source).with_suffix("")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(path.read_text().replace(PLACEHOLDER, name))
        written.append(target)
    return written


__all__ = ["project_name", "scaffold", "templates"]
