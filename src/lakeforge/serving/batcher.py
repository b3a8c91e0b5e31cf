"""Adaptive micro-batching: concurrent requests to one served entity share predict calls.

A request never waits for a batch to fill. When a scoring slot is free, everything queued so far
goes out as one call; requests that arrive while it runs form the next one. At low load each
request is scored alone (no added latency); under load one predict call answers many requests,
which is where the throughput comes from. Requests are grouped by schema and params; if a
shared call fails, each request of it is scored alone so errors stay with their request.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from concurrent.futures import Executor
from typing import TYPE_CHECKING

import pyarrow as pa

if TYPE_CHECKING:
    from lakeforge.serving.entity import LoadedEntity, Scored
    from lakeforge.serving.payload import Invocation


def _group_key(invocation: Invocation) -> tuple[str, str]:
    params = json.dumps(invocation.params, sort_keys=True, default=str)
    return str(invocation.table.schema), params


def _alone(entity: LoadedEntity, invocation: Invocation) -> Scored | BaseException:
    try:
        return entity.answer(invocation.table, invocation.params)
    except Exception as exc:  # noqa: BLE001 - handed to the waiting request
        return exc


def score_group(
    entity: LoadedEntity, invocations: list[Invocation]
) -> list[Scored | BaseException]:
    """Score several requests with as few predict calls as possible (in a worker thread)."""
    from lakeforge.serving.entity import Scored

    results: list[Scored | BaseException | None] = [None] * len(invocations)
    groups: dict[tuple[str, str], list[int]] = {}
    for index, invocation in enumerate(invocations):
        groups.setdefault(_group_key(invocation), []).append(index)
    for members in groups.values():
        if len(members) == 1:
            results[members[0]] = _alone(entity, invocations[members[0]])
            continue
        tables = [invocations[i].table for i in members]
        try:
            shared = entity.answer(pa.concat_tables(tables), invocations[members[0]].params)
        except Exception:  # noqa: BLE001 - find out which request it was
            for i in members:
                results[i] = _alone(entity, invocations[i])
            continue
        offset = 0
        for i, table in zip(members, tables, strict=True):
            rows = table.num_rows
            results[i] = Scored(
                shared.predictions[offset : offset + rows], shared.features.slice(offset, rows)
            )
            offset += rows
    return [r if r is not None else RuntimeError("not scored") for r in results]


class Batcher:
    """Queues requests for one served entity and scores them in shared calls.

    Args:
        executor: Threads the predict calls run on.
        entity: Returns the entity to score with (read per batch, so alias moves apply to the
            next batch while running ones finish on the old version).
        parallel: Predict calls in flight at once. One by default: under Python's GIL a second
            call mostly competes with the first, and a call that finds requests queued takes
            them all, so one call at a time gives the largest batches.
        max_rows: Rows per call at most.
    """

    def __init__(
        self,
        executor: Executor,
        entity: Callable[[], LoadedEntity],
        *,
        parallel: int = 1,
        max_rows: int = 2048,
    ) -> None:
        self._executor = executor
        self._entity = entity
        self._parallel = parallel
        self._max_rows = max_rows
        self._queue: list[tuple[Invocation, asyncio.Future[Scored]]] = []
        self._running = 0
        self.outstanding = 0  # queued + being scored: what admission control counts

    async def submit(self, invocation: Invocation) -> Scored:
        """Score one request (raises what scoring raised for it)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Scored] = loop.create_future()
        self._queue.append((invocation, future))
        self.outstanding += 1
        try:
            if self._running < self._parallel:
                self._launch(loop)
            return await future
        finally:
            self.outstanding -= 1

    def _launch(self, loop: asyncio.AbstractEventLoop) -> None:
        batch: list[tuple[Invocation, asyncio.Future[Scored]]] = []
        rows = 0
        while self._queue and (
            not batch or rows + self._queue[0][0].table.num_rows <= self._max_rows
        ):
            item = self._queue.pop(0)
            batch.append(item)
            rows += item[0].table.num_rows
        if not batch:
            return
        self._running += 1
        entity = self._entity()
        work = loop.run_in_executor(self._executor, score_group, entity, [inv for inv, _ in batch])

        def finish(done: asyncio.Future[list[Scored | BaseException]]) -> None:
            self._running -= 1
            error = done.exception()
            outcomes = [error] * len(batch) if error else done.result()
            for (_, future), outcome in zip(batch, outcomes, strict=True):
                if future.done():
                    continue
                if isinstance(outcome, BaseException):
                    future.set_exception(outcome)
                else:
                    future.set_result(outcome)
            if self._queue:
                self._launch(loop)

        work.add_done_callback(finish)


__all__ = ["Batcher", "score_group"]
