"""``dbutils.secrets``: values from the workspace's secret store, kept out of the task's output.

Once this process has read a secret, every occurrence of its value in what the process writes
to ``sys.stdout``/``sys.stderr`` (the task log: prints, tracebacks, logging handlers writing
there) is replaced by ``[REDACTED]``, as the reference shows secrets in notebook output.
:func:`redact` does the same for text written elsewhere (the task's output and error files).
Text is redacted a line at a time, so a value is caught even when printed in pieces on one
line. Output written to the file descriptors directly (a child process that inherits them) is
not seen.
"""

from __future__ import annotations

import builtins
import contextlib
import logging
import sys
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, NamedTuple, TextIO

from lakeforge.jobs.dbutils.members import Utility

if TYPE_CHECKING:
    from lakeforge.tables.secret_store import SecretStore
    from lakeforge.tables.workspace import Workspace

REDACTED = "[REDACTED]"
_VALUES: set[str] = set()
_LOCK = threading.Lock()


def redact(text: str) -> str:
    """``text`` with every secret value this process has read replaced by ``[REDACTED]``."""
    if not _VALUES or not text:
        return text
    for value in sorted(_VALUES, key=len, reverse=True):  # longest first: no partial leftovers
        text = text.replace(value, REDACTED)
    return text


class RedactingStream:
    """A text stream that redacts secret values, line by line, before passing text on."""

    def __init__(self, inner: TextIO) -> None:
        self.inner = inner
        self._pending = ""

    def write(self, text: str) -> int:
        """Buffer ``text``; pass on every complete line, redacted."""
        with _LOCK:
            self._pending += text
            head, newline, tail = self._pending.rpartition("\n")
            if newline:
                self.inner.write(redact(head + newline))
                self._pending = tail
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:
        """Write each line."""
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        """Pass on what is buffered (redacted) and flush the stream beneath."""
        with _LOCK:
            if self._pending:
                self.inner.write(redact(self._pending))
                self._pending = ""
        self.inner.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)  # encoding, fileno, isatty, buffer, ...


def _rewire_logging(old: object, new: object) -> None:
    """Point logging handlers made before the wrap (they keep the stream they were given)
    at the redacting stream."""
    loggers = [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]
    for logger in loggers:
        for handler in getattr(logger, "handlers", []):
            if isinstance(handler, logging.StreamHandler) and handler.stream is old:
                handler.setStream(new)


def remember(value: str | bytes) -> None:
    """Redact ``value`` (and its text form) from now on in this process's output."""
    forms = {value} if isinstance(value, str) else set()
    if isinstance(value, bytes):
        with contextlib.suppress(UnicodeDecodeError):
            forms.add(value.decode())
    forms.discard("")
    if not forms:
        return
    with _LOCK:
        _VALUES.update(forms)
    for name in ("stdout", "stderr"):
        current = getattr(sys, name)
        if current is not None and not isinstance(current, RedactingStream):
            wrapped = RedactingStream(current)
            setattr(sys, name, wrapped)
            _rewire_logging(current, wrapped)


class SecretScope(NamedTuple):
    """A scope, as ``dbutils.secrets.listScopes()`` returns it."""

    name: str

    def getName(self) -> str:  # noqa: N802
        """The scope's name."""
        return self.name


class SecretMetadata(NamedTuple):
    """A key, as ``dbutils.secrets.list(scope)`` returns it (never the value)."""

    key: str


class Secrets(Utility):
    """``dbutils.secrets``: read secrets (put them with ``lakeforge secrets put``)."""

    def __init__(self, workspace: Callable[[], Workspace]) -> None:
        super().__init__("dbutils.secrets")
        self._workspace = workspace

    def _store(self) -> SecretStore:
        return self._workspace().secrets

    def getBytes(self, scope: str, key: str) -> bytes:  # noqa: N802
        """The value of ``scope``/``key`` as bytes.

        Raises:
            SecretScopeNotFoundError: No such scope.
            SecretNotFoundError: No such key (the error lists the scope's keys).
        """
        value = self._store().get_bytes(scope, key)
        remember(value)
        return value

    def get(self, scope: str, key: str) -> str:
        """The value of ``scope``/``key`` as text (shown as ``[REDACTED]`` in the output)."""
        value = self.getBytes(scope, key).decode()
        remember(value)
        return value

    def list(self, scope: str) -> builtins.list[SecretMetadata]:
        """The keys of a scope."""
        return [SecretMetadata(s.key) for s in self._store().list(scope)]

    def listScopes(self) -> builtins.list[SecretScope]:  # noqa: N802
        """Every scope."""
        return [SecretScope(s.name) for s in self._store().list_scopes()]
