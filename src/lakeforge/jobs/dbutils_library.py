"""``dbutils.library``: ``restartPython()`` after a notebook's ``%pip install``.

The reference restarts the notebook's Python process so that packages ``%pip`` installed are
imported afresh. A local task keeps its process: the modules that the task's ``%pip``
overlays provide are dropped from ``sys.modules`` and import again from the overlay on next
use; the notebook's variables stay. It never fails (see :mod:`.environment_overlay`). The
reference's removed ``install``/``installPyPI``/``list`` are unknown members, named as such.
"""

from __future__ import annotations

from lakeforge.jobs.dbutils.members import Utility


class Library(Utility):
    """``dbutils.library``."""

    def __init__(self) -> None:
        super().__init__("dbutils.library")

    def restartPython(self) -> None:  # noqa: N802 - the reference's name
        """Re-import the packages this task's ``%pip`` installed; the variables stay. Never
        raises."""
        from lakeforge.jobs.environment_overlay import restart_python

        restart_python()


__all__ = ["Library"]
