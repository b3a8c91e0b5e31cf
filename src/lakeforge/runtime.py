"""``from lakeforge.runtime import dbutils``: Databricks-style scripts and notebooks, locally.

Inside a job task started by ``lakeforge bundle run`` the object is bound to the task (its
parameters as widgets, the run's task values, ``notebook.exit`` to the run record); run by hand
it uses widget defaults and ``debugValue`` s. Notebook tasks also find ``dbutils`` in their
globals without importing it, as on the reference platform. See :mod:`lakeforge.jobs.dbutils`.
"""

from __future__ import annotations

from lakeforge.jobs.dbutils import DBUtils, NotebookExit, current

dbutils: DBUtils = current()

__all__ = ["DBUtils", "NotebookExit", "dbutils"]
