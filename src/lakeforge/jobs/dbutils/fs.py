"""``dbutils.fs``: files on the workspace's DBFS, in volumes and on the local file system.

Paths are mapped by :mod:`lakeforge.tables.locations`: ``/Volumes/<c>/<s>/<v>/...``,
``dbfs:/...`` (and a path without a scheme, the reference's default), ``file:/...``. Results
have the reference's shapes: ``ls`` gives :class:`FileInfo` (folders end in ``/``), the other
calls return True; ``rm`` of a missing path returns False. A path that would leave its root,
the DBFS root or a volume's own folder as the target of ``rm``/``mv``, and a listing of
catalogs or schemas as a folder to write to, are refused.
"""

from __future__ import annotations

import builtins
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from lakeforge.errors import LocationError, PathNotFoundError
from lakeforge.jobs.dbutils.members import Utility

if TYPE_CHECKING:
    from lakeforge.tables.locations import Location
    from lakeforge.tables.workspace import Workspace

HEAD_LIMIT = 65536


class FileInfo(NamedTuple):
    """One entry of ``dbutils.fs.ls``: ``path`` and ``name`` end in ``/`` for folders;
    ``modificationTime`` is in epoch milliseconds."""

    path: str
    name: str
    size: int
    modificationTime: int  # noqa: N815 - the reference's field name

    def isDir(self) -> bool:  # noqa: N802
        """Whether the entry is a folder."""
        return self.name.endswith("/")

    def isFile(self) -> bool:  # noqa: N802
        """Whether the entry is a file."""
        return not self.isDir()


def _info(location: Location, path: Path) -> FileInfo:
    stat = path.stat()
    name = path.name or location.uri.rstrip("/").rsplit("/", 1)[-1]
    stamp = int(stat.st_mtime * 1000)
    if path.is_dir():
        return FileInfo(location.uri.rstrip("/") + "/", name + "/", 0, stamp)
    return FileInfo(location.uri, name, stat.st_size, stamp)


def _missing(location: Location, path: Path) -> PathNotFoundError:
    parent = path.parent
    existing = sorted(p.name for p in parent.iterdir()) if parent.is_dir() else []
    return PathNotFoundError(
        location.uri, existing, "check the path (dbutils.fs.ls on its folder lists what exists)"
    )


class Fs(Utility):
    """``dbutils.fs``: ``ls``, ``cp``, ``mv``, ``rm``, ``mkdirs``, ``put``, ``head``."""

    def __init__(self, workspace: Callable[[], Workspace]) -> None:
        super().__init__("dbutils.fs")
        self._workspace = workspace

    def _locate(self, path: str) -> Location:
        from lakeforge.tables.locations import resolve_location

        ws = self._workspace()
        location = resolve_location(path, ws.settings, ws.metadata)
        if location.kind == "dbfs":
            ws.settings.dbfs_root.mkdir(parents=True, exist_ok=True)
        return location

    def _existing(self, path: str) -> tuple[Location, Path]:
        location = self._locate(path)
        local = location.require_local()
        if not local.exists():
            raise _missing(location, local)
        return location, local

    def _namespace(self, location: Location) -> builtins.list[FileInfo]:
        """``/Volumes``, ``/Volumes/<c>``, ``/Volumes/<c>/<s>``: catalogs, schemas, volumes."""
        metadata = self._workspace().metadata
        parts = location.parts
        if not parts:
            names = [c.name for c in metadata.catalogs.list()]
        elif len(parts) == 1:
            names = [s.name for s in metadata.schemas.list(parts[0])]
        else:
            names = [v.name for v in metadata.volumes.list(parts[0], parts[1])]
        base = location.uri.rstrip("/")
        return [FileInfo(f"{base}/{n}/", f"{n}/", 0, 0) for n in names]

    def ls(self, dir: str) -> builtins.list[FileInfo]:
        """The entries of a folder (a file lists itself), by name."""
        location = self._locate(dir)
        if location.kind == "volumes":
            return self._namespace(location)
        local = location.require_local()
        if not local.exists():
            raise _missing(location, local)
        if not local.is_dir():
            return [_info(location, local)]
        entries = sorted(local.iterdir(), key=lambda p: p.name)
        return [_info(location.child(p.name), p) for p in entries]

    def mkdirs(self, dir: str) -> bool:
        """Create a folder and its parents (an existing folder is fine)."""
        location = self._locate(dir)
        local = location.require_local()
        if local.is_file():
            raise LocationError(location.uri, "is a file", "choose another folder name")
        local.mkdir(parents=True, exist_ok=True)
        return True

    def put(self, file: str, contents: str, overwrite: bool = False) -> bool:
        """Write ``contents`` (UTF-8) to ``file``, creating its folder."""
        location = self._locate(file)
        local = location.require_local()
        if local.is_dir():
            raise LocationError(location.uri, "is a folder", "put into a file path inside it")
        if local.exists() and not overwrite:
            raise LocationError(location.uri, "already exists", "pass overwrite=True")
        data = str(contents).encode()
        local.parent.mkdir(parents=True, exist_ok=True)
        local.write_bytes(data)
        print(f"Wrote {len(data)} bytes.")
        return True

    def head(self, file: str, maxBytes: int = HEAD_LIMIT) -> str:  # noqa: N803
        """The first ``maxBytes`` bytes of ``file`` as text."""
        location, local = self._existing(file)
        if local.is_dir():
            raise LocationError(location.uri, "is a folder", "head reads a file")
        with local.open("rb") as handle:
            data = handle.read(maxBytes + 1)
        if len(data) > maxBytes:
            print(f"[Truncated to first {maxBytes} bytes]")
        return data[:maxBytes].decode(errors="replace")

    def cp(self, from_: str, to: str, recurse: bool = False) -> bool:
        """Copy a file (into ``to``, or into the folder ``to`` names), or with ``recurse`` a
        folder and everything in it."""
        source, src = self._existing(from_)
        target = self._locate(to)
        dst = target.require_local()
        if src.is_dir():
            if not recurse:
                raise LocationError(source.uri, "is a folder", "pass recurse=True to copy it")
            if dst == src or src in dst.parents:
                raise LocationError(target.uri, "is inside the folder it copies", "copy elsewhere")
            shutil.copytree(src, dst, dirs_exist_ok=True)
            return True
        final = dst / src.name if dst.is_dir() else dst
        final.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, final)
        return True

    def mv(self, from_: str, to: str, recurse: bool = False) -> bool:
        """Move a file, or with ``recurse`` a folder (also across DBFS, volumes and local)."""
        source, src = self._existing(from_)
        if source.is_root:
            raise LocationError(source.uri, "is a root folder", "move what is inside it")
        if src.is_dir() and not recurse:
            raise LocationError(source.uri, "is a folder", "pass recurse=True to move it")
        dst = self._locate(to).require_local()
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(src, dst)
        return True

    def rm(self, dir: str, recurse: bool = False) -> bool:
        """Remove a file, an empty folder, or with ``recurse`` a folder and its contents;
        False when nothing was there."""
        location = self._locate(dir)
        local = location.require_local()
        if location.is_root or local == Path(local.anchor):
            what = f"volume {location.volume.full_name}" if location.volume else "DBFS"
            raise LocationError(
                location.uri,
                f"is the root of {what}",
                "remove the entries inside it (or drop the volume: DROP VOLUME ...)",
            )
        if not local.exists():
            return False
        if not local.is_dir():
            local.unlink()
        elif recurse:
            shutil.rmtree(local)
        elif any(local.iterdir()):
            raise LocationError(location.uri, "is a folder that is not empty", "pass recurse=True")
        else:
            local.rmdir()
        return True

    def mounts(self) -> builtins.list[object]:
        """Mount points: none (volumes take their place)."""
        return []
