"""``from lakeforge.runtime import dbutils``: Databricks-style scripts and notebooks, locally.

Inside a job task started by ``lakeforge bundle run`` the object is bound to the task (its
parameters as widgets, the run's task values, ``notebook.exit`` to the run record); run by hand
it uses widget defaults and ``debugValue`` s. Notebook tasks also find ``dbutils``, ``display``
and ``displayHTML`` in their globals without importing them, as on the reference platform; a
plain script imports them from here (in a task, displayed objects are saved next to the task's
output; run by hand, only a summary is printed). See :mod:`lakeforge.jobs.dbutils` and
:mod:`lakeforge.jobs.display`.
"""

from __future__ import annotations

from pathlib import Path

from lakeforge.jobs.dbutils import DBUtils, NotebookExit, current
from lakeforge.jobs.display import display_for

dbutils: DBUtils = current()
_display = display_for(Path(dbutils.context.output_file).parent if dbutils.context else None)
display = _display.display
displayHTML = _display.display_html  # noqa: N816 - the reference's name

__all__ = ["DBUtils", "NotebookExit", "dbutils", "display", "displayHTML"]
