"""The front desk's render pool: worker processes that each load the project, the templates,
WeasyPrint and the fonts once, then make packets, so printing uses every core and one slow packet
does not hold up the others.

The queue is bounded: when every place is taken the caller gets `Busy` at once instead of waiting
behind the others. A packet whose client has gone away is dropped if it has not started. Workers
are replaced after `RECYCLE_AFTER` packets (memory that WeasyPrint's caches keep), after a crash,
and exit by themselves when the server dies, even by kill -9.

Visit details travel to the workers only through the pool's in-memory pipes: never a file, never
a log line. This module is the one place the front desk renders."""

import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

from handouts.errors import HandoutsError, RenderError
from handouts.render import Request

# A worker's memory grows with every render in WeasyPrint's own caches; a fresh worker after this
# many packets keeps the server flat. Start-up of a worker costs about one render.
RECYCLE_AFTER = 100
PARENT_CHECK_SECONDS = 0.5
CLIENT_CHECK_SECONDS = 0.1  # how often a waiting packet looks whether its client is still there


class Busy(HandoutsError):
    """Every place in the queue is taken: the front desk should try again in a few seconds."""


class ClientGone(Exception):
    """The client went away before its packet started; it was never rendered."""


@dataclass(frozen=True)
class Failure:
    """A user-fixable problem from a worker, as text (library exceptions do not all pickle)."""

    message: str


class RenderPool:
    """`workers` processes; at most `queue_limit` packets in the pool (rendering or waiting)."""

    def __init__(self, root: Path, workers: int, queue_limit: int | None = None,
                 recycle_after: int = RECYCLE_AFTER):
        self.root = root
        self.workers = workers
        self.queue_limit = queue_limit or 2 * workers
        self.recycle_after = recycle_after
        self._places = threading.BoundedSemaphore(self.queue_limit)
        # A packet goes to the executor only when a worker is free: one handed over is out of reach
        # (the executor queues ahead), one still waiting here can be dropped when its client leaves.
        self._idle_workers = threading.BoundedSemaphore(workers)
        self._executor: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start every worker now (each warms up on its own), so the first patient does not wait
        for WeasyPrint to load."""
        for _ in range(self.workers):
            self._submit(_ready, ())

    def packet(self, requests: list[Request], client_gone: Callable[[], bool] = lambda: False) -> bytes:
        """One PDF of the requested handouts; `Busy` if the queue is full, `ClientGone` if the
        client left before a worker took the packet."""
        if not self._places.acquire(blocking=False):
            raise Busy("The front desk is busy making other PDFs: try again in a few seconds.")
        try:
            while not self._idle_workers.acquire(timeout=CLIENT_CHECK_SECONDS):
                if client_gone():
                    raise ClientGone()
            try:
                result = self._submit(_make_packet, (requests,)).result()
            except BrokenProcessPool:
                self._replace_broken()
                raise Busy("A PDF worker stopped and is being restarted: try again in a few seconds.") from None
            finally:
                self._idle_workers.release()
        finally:
            self._places.release()
        if isinstance(result, Failure):
            raise RenderError(result.message)
        return result

    def close(self) -> None:
        """Drop what is waiting; packets already rendering finish first (a few seconds at most)."""
        with self._lock:
            if self._executor is not None:
                self._executor.shutdown(wait=True, cancel_futures=True)
                self._executor = None

    def _submit(self, function: Callable, arguments: tuple) -> Future:
        with self._lock:
            if self._executor is None:
                self._executor = ProcessPoolExecutor(
                    max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"),
                    initializer=_start_worker, initargs=(self.root, os.getpid()),
                    max_tasks_per_child=self.recycle_after)
            return self._executor.submit(function, *arguments)

    def _replace_broken(self) -> None:
        with self._lock:
            broken, self._executor = self._executor, None
        if broken is not None:
            broken.shutdown(wait=False, cancel_futures=True)


_builder = None


def _start_worker(root: Path, parent: int) -> None:
    """Load the project, templates, WeasyPrint and fonts once, and render one handout to warm up."""
    global _builder
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole process group: the server decides
    threading.Thread(target=_exit_with_parent, args=(parent,), name="parent-watch", daemon=True).start()
    from handouts.build import Builder
    from handouts.project import Project

    _builder = Builder(Project(root))
    for slug, languages in _builder.project.catalog().items():
        try:
            _builder.pdf(Request(slug, languages[0], _builder.project.clinic.page_size))
            return
        except HandoutsError:  # a broken handout is reported when someone asks for it
            continue


def _exit_with_parent(parent: int) -> None:
    """A worker outlives its server only until the next check: kill -9 leaves no orphans."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(0)


def _ready() -> None:
    """Nothing: submitting it makes the pool start a worker."""


def _make_packet(requests: list[Request]) -> bytes | Failure:
    try:
        return _builder.packet(requests)
    except HandoutsError as error:
        return Failure(str(error))
