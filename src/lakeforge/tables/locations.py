"""Paths as the reference's code writes them, mapped to local storage.

=================================  ====================================================
written                            local storage
=================================  ====================================================
``/Volumes/<c>/<s>/<v>/<path>``    the volume's folder, ``<workspace>/volumes/c/s/v/``
``dbfs:/Volumes/...``              the same
``dbfs:/<path>``, ``/dbfs/<path>``  the workspace's DBFS, ``<workspace>/dbfs/<path>``
``/<path>`` (no scheme)            DBFS too: the reference's default scheme
``file:/<path>``                   the local file system, as written
``<path>`` (relative)              the local file system, from the working directory
=================================  ====================================================

A path never leaves its root: ``..`` and symbolic links are resolved first, and a DBFS or
volume path that would end outside its folder is refused. ``/Volumes``, ``/Volumes/<c>`` and
``/Volumes/<c>/<s>`` are listings of catalogs, schemas and volumes, not folders.
``/databricks-datasets/...`` (the reference's sample data) and cloud URIs (``s3://``,
``abfss://``, ...) cannot be reached from one machine: the error says how to point the
parameter at local data instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Literal

from lakeforge.errors import LocationError
from lakeforge.names import ObjectName, storage_path, validate_part

if TYPE_CHECKING:
    from lakeforge.catalog.records import VolumeInfo
    from lakeforge.catalog.sql_store import MetadataStore
    from lakeforge.settings import Settings

Kind = Literal["dbfs", "volume", "file", "volumes"]
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_SAMPLES = "databricks-datasets"
_LOCAL_FIX = (
    "point the parameter at local data: a volume path (/Volumes/<catalog>/<schema>/<volume>/"
    "<path>, see `lakeforge volumes create`) or a local file (file:/absolute/path)"
)


@dataclass(frozen=True, slots=True)
class Location:
    """Where a written path lives.

    Attributes:
        written: The path as given.
        uri: Its canonical form, as the reference shows it (``dbfs:/a/b``,
            ``dbfs:/Volumes/c/s/v/x``, ``file:/a/b``).
        kind: ``dbfs``, ``volume``, ``file``, or ``volumes`` for the listings above volumes.
        local: The local path (None for ``volumes`` listings).
        root: The folder the path may not leave (None for ``file:`` paths).
        volume: The volume it lies in, if any.
        parts: For ``volumes`` listings, the catalog (and schema) named.
    """

    written: str
    uri: str
    kind: Kind
    local: Path | None
    root: Path | None = None
    volume: VolumeInfo | None = None
    parts: tuple[str, ...] = ()

    @property
    def is_root(self) -> bool:
        """True for the DBFS root or a volume's own folder."""
        return self.root is not None and self.local == self.root

    def child(self, name: str) -> Location:
        """The location of entry ``name`` inside this folder."""
        if self.local is None:
            raise LocationError(self.written, "is not a folder", "use a path inside a volume")
        uri = self.uri.rstrip("/") + "/" + name
        return Location(uri, uri, self.kind, self.local / name, self.root, self.volume)

    def require_local(self) -> Path:
        """The local path; a listing of catalogs or schemas has none.

        Raises:
            LocationError: For ``/Volumes``, ``/Volumes/<c>`` and ``/Volumes/<c>/<s>``.
        """
        if self.local is None:
            raise LocationError(
                self.written,
                "names catalogs or schemas, not a folder of a volume",
                "use /Volumes/<catalog>/<schema>/<volume>/<path> (create the volume first: "
                "CREATE VOLUME <catalog>.<schema>.<volume>)",
            )
        return self.local


def _inside(written: str, root: Path, relative: str) -> Path:
    """``root/relative`` with ``..`` and links resolved, refused when it leaves ``root``."""
    base = root.resolve()
    path = base.joinpath(*PurePosixPath("/" + relative).parts[1:]).resolve()
    if path != base and base not in path.parents:
        raise LocationError(
            written,
            f"resolves to {path}, outside its root {base}",
            "use a path inside the volume or DBFS folder (no '..' past its top, no links out)",
        )
    return path


def _relative_uri(prefix: str, base: Path, path: Path) -> str:
    rest = path.relative_to(base.resolve()).as_posix()
    return prefix if rest == "." else f"{prefix.rstrip('/')}/{rest}"


def _volume(written: str, rest: str, settings: Settings, metadata: MetadataStore) -> Location:
    """``rest`` is what follows ``/Volumes/``."""
    parts = [p for p in rest.split("/") if p]
    names = tuple(validate_part(p, name=written) for p in parts[:3])
    if len(names) < 3:
        uri = "dbfs:/Volumes" + "".join(f"/{p}" for p in names)
        return Location(written, uri, "volumes", None, parts=names)
    info = metadata.volumes.get(ObjectName(*names))
    root = storage_path(settings.volumes_root, *info.storage_location.split("/"))
    path = _inside(written, root, "/".join(parts[3:]))
    uri = _relative_uri(f"dbfs:{info.path}", root, path)
    return Location(written, uri, "volume", path, root, info)


def _dbfs(written: str, rest: str, settings: Settings, metadata: MetadataStore) -> Location:
    """``rest`` is an absolute DBFS path (``/a/b``)."""
    clean = PurePosixPath("/" + rest.lstrip("/"))
    first = clean.parts[1] if len(clean.parts) > 1 else ""
    if first == "Volumes":
        return _volume(written, "/".join(clean.parts[2:]), settings, metadata)
    if first == _SAMPLES:
        raise LocationError(
            written,
            "is the reference platform's sample data (/databricks-datasets), which is not "
            "on this machine",
            _LOCAL_FIX,
        )
    root = settings.dbfs_root.resolve()
    path = _inside(written, root, clean.as_posix())
    return Location(written, _relative_uri("dbfs:/", root, path), "dbfs", path, root)


def _file(written: str, rest: str) -> Location:
    if rest.startswith("//"):
        host, _, rest = rest[2:].partition("/")
        if host and host != "localhost":
            raise LocationError(
                written, f"names the host {host!r}", "use file:/absolute/path on this machine"
            )
        rest = "/" + rest
    if not rest.startswith("/"):
        raise LocationError(written, "is not absolute", "use file:/absolute/path")
    path = Path(rest).resolve()
    return Location(written, f"file:{path.as_posix()}", "file", path)


def resolve_location(path: str | Path, settings: Settings, metadata: MetadataStore) -> Location:
    """Map a written path to local storage (rules in the module docstring).

    Raises:
        LocationError: Sample data, cloud storage, another host, or a path leaving its root.
        VolumeNotFoundError: A ``/Volumes/c/s/v`` path whose volume does not exist.
        InvalidNameError: A bad catalog, schema or volume name in a volume path.
    """
    written = str(path) if isinstance(path, Path) else path
    if not isinstance(written, str) or not written.strip():
        raise LocationError(str(written), "is not a path", "pass a non-empty string")
    text = written.strip()
    scheme = _SCHEME.match(text)
    if scheme and len(scheme.group(1)) > 1:  # 'c:' would be a drive letter, not a scheme
        name = scheme.group(1).lower()
        rest = text[scheme.end() :]
        if name == "dbfs":
            return _dbfs(written, rest, settings, metadata)
        if name == "file":
            return _file(written, rest)
        raise LocationError(
            written,
            f"uses the {name}: scheme (cloud or remote storage), which lakeforge cannot reach",
            _LOCAL_FIX,
        )
    if text.startswith("/"):
        if text == "/dbfs" or text.startswith("/dbfs/"):
            return _dbfs(written, text[len("/dbfs") :], settings, metadata)
        return _dbfs(written, text, settings, metadata)
    local = (Path.cwd() / text).resolve()
    return Location(written, f"file:{local.as_posix()}", "file", local)
