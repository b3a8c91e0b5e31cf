"""Notebook-scoped ``%pip``: an overlay directory per requirement set, on ``sys.path`` for one task.

The task's environment is also lakeforge's, so ``%pip install`` never changes it. Each
requirement is decided first (:mod:`.environment_requirements`): satisfied ones are a logged
no-op; a pin that conflicts with a package lakeforge runs on keeps the running version with one
``WARNING`` line per conflict in the task log and the ``lakeforge.pip_conflicts`` tag on the
task's MLflow runs — or fails the task under ``notebook_pip = "strict"``. The rest is resolved
by pip against the running environment (``--dry-run --report``, lakeforge's packages held at
their running versions by a constraints file) and installed with ``--target --no-deps`` into
``<workspace>/pip-overlays/<hash>/``, which is cached: the same requirements on the same
Python reuse it. The overlay goes first on ``sys.path`` of this process only.

``dbutils.library.restartPython()`` (:func:`restart_python`) drops the modules an overlay
provides from ``sys.modules``, so the next import loads them from the overlay; the notebook's
variables stay (the reference restarts the interpreter, which a job task here does not need).
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import platform
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from lakeforge.errors import PipConflictError, PipInstallError
from lakeforge.jobs.environment_requirements import Decision, decide, parse_pip, runtime_packages
from lakeforge.settings import Settings, record_pip_conflicts, resolve_settings, task_environment

OVERLAYS_DIR = "pip-overlays"
_COMPLETE = ".lakeforge-complete"
_PREFIX = "[lakeforge] %pip:"
_ACTIVE: list[Path] = []
_CONFLICTS: list[str] = []


def active_overlays() -> list[Path]:
    """The overlay directories this process put on ``sys.path``, newest first."""
    return list(_ACTIVE)


def _key(requirements: Sequence[str], options: Sequence[str]) -> str:
    parts = [sys.version.split()[0], platform.machine(), sys.platform, *options, "--"]
    for line in requirements:
        path = Path(line)
        stat = path.stat() if path.is_absolute() and path.exists() else None
        parts.append(f"{line}@{stat.st_size}:{stat.st_mtime_ns}" if stat else line)
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def _pip(arguments: list[str], settings: Settings) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "pip", "--disable-pip-version-check", *arguments]
    path = os.pathsep.join(str(p) for p in _ACTIVE)  # earlier overlays count as installed
    env = task_environment(settings, {"PYTHONPATH": path}) if path else None
    return subprocess.run(command, capture_output=True, text=True, env=env, check=False)


def _failure(
    requirements: Sequence[str], done: subprocess.CompletedProcess[str]
) -> PipInstallError:
    lines = [line.strip() for line in (done.stderr + done.stdout).splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("ERROR")] or lines[-3:]
    if "No module named pip" in done.stderr:
        errors = ["pip is not installed in the task's environment (python -m pip install pip)"]
    return PipInstallError(requirements, " ".join(errors)[:1000] or f"pip exit {done.returncode}")


def _constraints(folder: Path) -> Path:
    """Pins of lakeforge's own packages at their running versions, for pip's resolver."""
    from importlib import metadata

    pins = []
    for name in sorted(runtime_packages() - {"lakeforge"}):
        try:
            pins.append(f"{name}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            continue
    path = folder / "constraints.txt"
    path.write_text("\n".join(pins) + "\n")
    return path


def _resolve(
    requirements: Sequence[str], options: Sequence[str], folder: Path, settings: Settings
) -> list[tuple[str, str, str]]:
    """``(name, version, url)`` of what pip would install next to the running environment."""
    report = folder / "report.json"
    arguments = ["install", "--dry-run", "--quiet", "--report", str(report)]
    arguments += ["-c", str(_constraints(folder)), *options, *requirements]
    done = _pip(arguments, settings)
    if done.returncode != 0 or not report.is_file():
        raise _failure(requirements, done)
    items = []
    for item in json.loads(report.read_text()).get("install", []):
        info = item.get("download_info", {})
        url = str(info.get("url", ""))
        vcs = info.get("vcs_info")
        if vcs:
            url = f"{vcs['vcs']}+{url}@{vcs['commit_id']}"
        meta = item["metadata"]
        items.append((str(meta["name"]), str(meta["version"]), url))
    return items


def install(
    requirements: Sequence[str], options: Sequence[str], settings: Settings
) -> tuple[Path, bool]:
    """Install ``requirements`` into their overlay (or find it cached).

    Returns:
        The overlay directory and whether it was already there.

    Raises:
        PipInstallError: pip could not resolve or install them (the requirements are named).
    """
    root = settings.workspace / OVERLAYS_DIR
    target = root / _key(requirements, options)
    if (target / _COMPLETE).is_file():
        return target, True
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=root, prefix=".staging-") as work:
        folder = Path(work)
        items = _resolve(requirements, options, folder, settings)
        staging = folder / "overlay"
        staging.mkdir()
        wanted = [
            f"{name} @ {url}" if url else f"{name}=={version}" for name, version, url in items
        ]
        if wanted:
            arguments = ["install", "--quiet", "--no-deps", "--target", str(staging), *options]
            done = _pip([*arguments, *wanted], settings)
            if done.returncode != 0:
                raise _failure(requirements, done)
        listing = ", ".join(f"{name} {version}" for name, version, _ in items) or "nothing new"
        (staging / _COMPLETE).write_text(listing + "\n")
        try:
            staging.rename(target)
        except OSError:  # another task installed the same set meanwhile: use theirs
            if not (target / _COMPLETE).is_file():
                raise
    return target, False


def activate(overlay: Path) -> None:
    """Put ``overlay`` first on this process's ``sys.path``."""
    if overlay in _ACTIVE:
        _ACTIVE.remove(overlay)
    _ACTIVE.insert(0, overlay)
    while str(overlay) in sys.path:
        sys.path.remove(str(overlay))
    sys.path.insert(0, str(overlay))
    importlib.invalidate_caches()


def _record(conflicts: Sequence[Decision]) -> None:
    _CONFLICTS.extend(d.conflict_text() for d in conflicts if d.conflict_text() not in _CONFLICTS)
    if _CONFLICTS:
        record_pip_conflicts("; ".join(_CONFLICTS)[:5000])


def pip_install(line: str, cwd: Path | None = None, settings: Settings | None = None) -> None:
    """Run the ``%pip`` magic's text (``install ...``) for this task (see the module doc).

    Raises:
        NotebookMagicError: Not an install, or unreadable requirements.
        PipConflictError: A conflicting pin under ``notebook_pip = "strict"``.
        PipInstallError: What must be installed cannot be resolved or installed.
    """
    settings = settings or resolve_settings()
    request = parse_pip(line, cwd or Path.cwd())
    runtime = runtime_packages()
    decisions = [decide(r, runtime, upgrade=request.upgrade) for r in request.requirements]
    conflicts = [d for d in decisions if d.action == "conflict"]
    strict = settings.notebook_pip == "strict"
    for decision in decisions:
        if not (strict and decision.action == "conflict"):
            print(f"{_PREFIX} {decision.line()}", flush=True)
    if conflicts and strict:
        first = conflicts[0]
        raise PipConflictError(first.requirement, str(first.package), str(first.running))
    _record(conflicts)
    wanted = [d.requirement for d in decisions if d.action == "install"]
    if not wanted:
        return
    overlay, cached = install(wanted, request.options, settings)
    activate(overlay)
    contents = (overlay / _COMPLETE).read_text().strip()
    state = "cached" if cached else "installed"
    print(f"{_PREFIX} {state} {contents} in {overlay} (this task only)", flush=True)


def _top_level_names(overlay: Path) -> set[str]:
    """Importable top-level names an overlay provides (packages and modules)."""
    names = set()
    for entry in overlay.iterdir():
        skip = entry.name.endswith((".dist-info", ".data", ".egg-info")) or entry.name == "bin"
        if skip or entry.name.startswith((".", "__")):
            continue
        if entry.is_dir():
            names.add(entry.name)
        elif entry.suffix in {".py", ".so", ".pyd"}:
            names.add(entry.name.split(".")[0])
    return names


def restart_python() -> list[str]:
    """Make the overlays' modules import afresh (``dbutils.library.restartPython()``); never
    raises. Returns the top-level module names that were dropped."""
    dropped: list[str] = []
    try:
        for overlay in reversed(list(_ACTIVE)):
            activate(overlay)
        names = set().union(*(_top_level_names(o) for o in _ACTIVE if o.is_dir()))
        for module in list(sys.modules):
            if module.split(".")[0] in names:
                del sys.modules[module]
                dropped.append(module)
        importlib.invalidate_caches()
        shown = ", ".join(sorted({m.split(".")[0] for m in dropped})) or "none were imported"
        print(f"[lakeforge] restartPython: modules of the %pip overlay re-import: {shown}")
    except Exception as exc:  # noqa: BLE001 - restartPython never fails a notebook
        print(f"[lakeforge] restartPython: nothing re-imported ({type(exc).__name__}: {exc})")
    return sorted(dropped)


__all__ = [
    "OVERLAYS_DIR",
    "activate",
    "active_overlays",
    "install",
    "pip_install",
    "restart_python",
]
