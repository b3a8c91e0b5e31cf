"""``lakeforge jobs scheduler``: run a bundle's scheduled jobs at their quartz fire times.

Jobs whose ``schedule.pause_status`` is ``UNPAUSED`` (development targets pause them) are
started at each fire time (:mod:`.schedule`) in their own thread, as ``PERIODIC`` runs; a run
still going at the next fire time counts against ``max_concurrent_runs`` as any other run. A
fire time missed while the scheduler was not running is not made up. Stopping the scheduler
cancels the runs it started.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime

from lakeforge.errors import ValidationError
from lakeforge.jobs.bundle import Bundle
from lakeforge.jobs.records import JobRun
from lakeforge.jobs.runner import JobRunner, Listener, RunOptions
from lakeforge.jobs.schedule import QuartzSchedule, parse_schedule
from lakeforge.settings import Settings

Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


def schedules(bundle: Bundle) -> dict[str, QuartzSchedule]:
    """The unpaused schedules of a bundle's jobs, by job key."""
    found = {}
    for key, job in bundle.jobs.items():
        if job.schedule is not None and job.schedule.pause_status == "UNPAUSED":
            found[key] = parse_schedule(
                job.schedule.quartz_cron_expression, job.schedule.timezone_id
            )
    return found


class Scheduler:
    """Starts scheduled runs until :meth:`stop` (or ``max_runs`` runs were started).

    Args:
        settings: Workspace settings.
        bundle: The loaded bundle (its target decides which schedules are paused).
        options: Local execution options for every run.
        listener: Progress callback passed to each run.
        clock: Current time (tests).
    """

    def __init__(
        self,
        settings: Settings,
        bundle: Bundle,
        options: RunOptions | None = None,
        listener: Listener | None = None,
        clock: Clock = _utc_now,
    ) -> None:
        self.schedules = schedules(bundle)
        if not self.schedules:
            raise ValidationError(
                f"bundle {bundle.name!r} (target {bundle.target!r}) has no unpaused job schedule",
                "add schedule: {quartz_cron_expression: ...} to a job; development targets pause "
                "schedules, so pick a production target with -t",
            )
        self.settings = settings
        self.bundle = bundle
        self.options = options or RunOptions()
        self.listener = listener
        self.clock = clock
        self._stop = threading.Event()
        self._runners: list[JobRunner] = []
        self._threads: list[threading.Thread] = []
        self.runs: list[JobRun] = []

    def stop(self) -> None:
        """Stop scheduling; runs started by this scheduler are canceled."""
        self._stop.set()

    def next_fires(self) -> dict[str, datetime | None]:
        """The next fire time of each scheduled job."""
        now = self.clock()
        return {key: schedule.next_fire(now) for key, schedule in self.schedules.items()}

    def _launch(self, job_key: str) -> None:
        runner = JobRunner(
            self.settings,
            self.bundle,
            job_key,
            options=self.options,
            listener=self.listener,
            trigger="PERIODIC",
        )
        thread = threading.Thread(target=lambda: self.runs.append(runner.run()), daemon=True)
        self._runners.append(runner)
        self._threads.append(thread)
        thread.start()

    def run(self, max_runs: int | None = None) -> list[JobRun]:
        """Schedule until stopped or ``max_runs`` runs were started; return finished runs."""
        upcoming = self.next_fires()
        started = 0
        try:
            while not self._stop.is_set() and (max_runs is None or started < max_runs):
                pending = {k: t for k, t in upcoming.items() if t is not None}
                if not pending:
                    break
                key = min(pending, key=lambda k: pending[k])
                wait_s = (pending[key] - self.clock()).total_seconds()
                if wait_s > 0 and self._stop.wait(wait_s):
                    break
                self._launch(key)
                started += 1
                upcoming[key] = self.schedules[key].next_fire(pending[key])
        except KeyboardInterrupt:
            self._stop.set()
            raise
        finally:
            if self._stop.is_set():
                for runner in self._runners:
                    runner.cancel_event.set()
            for thread in self._threads:
                thread.join()
        return self.runs


__all__ = ["Scheduler", "schedules"]
