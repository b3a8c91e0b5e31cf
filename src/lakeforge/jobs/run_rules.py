"""Which tasks run, and how a job run ends: ``run_if``, condition outcomes and result states.

Dependencies are classified by the upstream task's final state: *success* (``SUCCESS``, and
for a dependency with ``outcome`` the condition's outcome equal to it), *excluded*
(``EXCLUDED``, ``DISABLED``, or a condition outcome that does not match), *failed*
(``FAILED``, ``TIMEDOUT``, ``UPSTREAM_FAILED``) and *canceled*. ``run_if`` (api-compat §6.2)
then decides: ``ALL_SUCCESS`` (the default) runs when every dependency succeeded and otherwise
gives ``UPSTREAM_FAILED``/``UPSTREAM_CANCELED``, or ``EXCLUDED`` when branches were not taken;
``ALL_DONE`` always runs; ``NONE_FAILED`` runs when nothing failed and something succeeded;
``AT_LEAST_ONE_SUCCESS``, ``ALL_FAILED`` and ``AT_LEAST_ONE_FAILED`` as named.

A job run is ``SUCCESS`` when every task succeeded or was excluded/disabled; otherwise its
result is the worst leaf result (``FAILED``, ``TIMEDOUT`` when every failed leaf timed out,
``CANCELED``), or ``SUCCESS_WITH_FAILURES`` when only non-leaf tasks failed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from lakeforge.jobs.bundle_schema import ConditionOp, Job, Task
from lakeforge.jobs.records import CANCELED_STATES, FAILED_STATES, ResultState, TaskRun

DependencyKind = Literal["success", "excluded", "failed", "canceled"]
_OK = frozenset({"SUCCESS", "EXCLUDED", "DISABLED"})


def classify(task: Task, upstream: Mapping[str, TaskRun]) -> list[DependencyKind]:
    """How each dependency of ``task`` ended."""
    kinds: list[DependencyKind] = []
    for dependency in task.depends_on:
        state = upstream[dependency.task_key].result_state
        if state == "SUCCESS":
            outcome = upstream[dependency.task_key].outcome
            taken = dependency.outcome is None or dependency.outcome == outcome
            kinds.append("success" if taken else "excluded")
        elif state in FAILED_STATES:
            kinds.append("failed")
        elif state in CANCELED_STATES or state == "MAXIMUM_CONCURRENT_RUNS_REACHED":
            kinds.append("canceled")
        else:
            kinds.append("excluded")
    return kinds


def decide(task: Task, upstream: Mapping[str, TaskRun]) -> ResultState | None:
    """None when ``task`` should run; else the result state it gets without running."""
    if task.disabled:
        return "DISABLED"
    if not task.depends_on:
        return None
    kinds = classify(task, upstream)
    failed, canceled = "failed" in kinds, "canceled" in kinds
    succeeded = "success" in kinds
    rule = task.run_if
    if rule == "ALL_DONE":
        return None
    if rule == "ALL_FAILED":
        return None if all(k == "failed" for k in kinds) else "EXCLUDED"
    if rule == "AT_LEAST_ONE_FAILED":
        return None if failed else "EXCLUDED"
    if rule == "AT_LEAST_ONE_SUCCESS":
        if succeeded:
            return None
        return "UPSTREAM_FAILED" if failed else "UPSTREAM_CANCELED" if canceled else "EXCLUDED"
    blocked: ResultState | None = (
        "UPSTREAM_FAILED" if failed else "UPSTREAM_CANCELED" if canceled else None
    )
    if blocked is not None:
        return blocked
    if rule == "NONE_FAILED":
        return None if succeeded else "EXCLUDED"
    return None if all(k == "success" for k in kinds) else "EXCLUDED"  # ALL_SUCCESS


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def evaluate(op: ConditionOp, left: str, right: str) -> bool:
    """A condition task's comparison: numeric when both sides are numbers, else as strings.

    Raises:
        ValueError: An ordering comparison of values that are not both numbers.
    """
    a, b = _number(left), _number(right)
    if op in {"EQUAL_TO", "NOT_EQUAL"}:
        same = a == b if a is not None and b is not None else left == right
        return same if op == "EQUAL_TO" else not same
    if a is None or b is None:
        raise ValueError(f"{op} needs two numbers, got {left!r} and {right!r}")
    return {
        "GREATER_THAN": a > b,
        "GREATER_THAN_OR_EQUAL": a >= b,
        "LESS_THAN": a < b,
        "LESS_THAN_OR_EQUAL": a <= b,
    }[op]


def job_result(job: Job, final: Mapping[str, TaskRun]) -> ResultState:
    """The run's result state from each task's final attempt."""
    states = {key: run.result_state for key, run in final.items()}
    if all(state in _OK for state in states.values()):
        return "SUCCESS"
    upstream = {d.task_key for t in job.tasks for d in t.depends_on}
    leaves = [states.get(t.task_key) for t in job.tasks if t.task_key not in upstream]
    failed = [s for s in leaves if s in FAILED_STATES]
    if failed:
        return "TIMEDOUT" if all(s == "TIMEDOUT" for s in failed) else "FAILED"
    if any(s in CANCELED_STATES for s in leaves):
        return "CANCELED"
    return "SUCCESS_WITH_FAILURES"


__all__ = ["classify", "decide", "evaluate", "job_result"]
