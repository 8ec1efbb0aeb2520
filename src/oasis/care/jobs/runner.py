"""The in-process job runner: the default with SQLite (``make run``), no extra service.

One daemon thread wakes at every minute boundary and runs, one after the other, the jobs
whose cron matches that minute (the same cron lines the PostgreSQL engine uses); the
``at_start`` jobs run once when it starts.  A failing job is retried :data:`ATTEMPTS`
times with a growing pause, then logged and left to its next run — every job is
idempotent, so a later run catches up.  Nothing is durable: after a restart the next
minute's run redoes whatever was due.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from croniter import croniter

from oasis.care.jobs.tasks import JOBS, Job

ATTEMPTS = 3
RETRY_PAUSE_S = 2.0
log = logging.getLogger("oasis.jobs")


def run_with_retries(job: Job, url: str, *, now: datetime | None = None,
                     attempts: int = ATTEMPTS, pause_s: float = RETRY_PAUSE_S,
                     stop: threading.Event | None = None) -> int | None:
    """Run ``job``; on failure wait and try again; ``None`` when every attempt failed."""
    for attempt in range(1, attempts + 1):
        try:
            kwargs = {"now": now} if now is not None else {}
            return job.run(url, **kwargs)
        except Exception:
            log.exception("job %s failed (attempt %d/%d)", job.name, attempt, attempts)
            if attempt < attempts and (stop is None or not stop.wait(pause_s * attempt)):
                continue
            return None
    return None


def due(jobs: Iterable[Job], minute: datetime) -> list[Job]:
    """The jobs whose cron line matches ``minute`` (UTC)."""
    return [job for job in jobs if croniter.match(job.cron, minute.astimezone(UTC))]


class InProcessRunner:
    def __init__(self, url: str, jobs: Iterable[Job] = JOBS, *,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.url = url
        self.jobs = tuple(jobs)
        self.clock = clock
        self.runs: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="oasis-jobs", daemon=True)

    def start(self) -> InProcessRunner:
        self._thread.start()
        return self

    def stop(self, timeout: float = 30.0) -> None:
        """Stop after the job in progress (a graceful shutdown never cuts a job)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def run_jobs(self, jobs: Iterable[Job], now: datetime | None = None) -> None:
        for job in jobs:
            if self._stop.is_set():
                return
            if run_with_retries(job, self.url, now=now, stop=self._stop) is not None:
                self.runs[job.name] = self.runs.get(job.name, 0) + 1

    def _loop(self) -> None:
        self.run_jobs([job for job in self.jobs if job.at_start])
        while not self._stop.is_set():
            now = self.clock()
            wait = 60 - now.second - now.microsecond / 1e6
            if self._stop.wait(max(wait, 0.05)):
                return
            minute = self.clock().replace(second=0, microsecond=0)
            self.run_jobs(due(self.jobs, minute))
            time.sleep(0.01)  # never run one minute twice on a fast clock


__all__ = ["InProcessRunner", "due", "run_with_retries"]
