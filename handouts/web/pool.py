"""The front desk's render pool: worker processes that each load the project, the templates,
WeasyPrint and the fonts once, then make packets, so printing uses every core and one slow packet
does not hold up the others.

The queue is bounded: when every place is taken the caller gets `Busy` at once instead of waiting
behind the others. A packet whose client has gone away is dropped if it has not started. Workers
are replaced after `RECYCLE_AFTER` packets (memory that WeasyPrint's caches keep), after a crash,
and exit by themselves when the server dies, even by kill -9.

Each render keeps to the budget of `handouts.budget` (the worker's own alarm and memory limit); a
worker that does not answer in time for all that is stopped from here and replaced, so no request
hangs. A worker that cannot start stops the server at once, saying why.

Visit details travel to the workers only through the pool's in-memory pipes: never a file, never
a log line. This module is the one place the front desk renders."""

import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

from handouts import maker as maker_module
from handouts.budget import render_budget
from handouts.errors import HandoutsError, RenderError, UnknownHandoutError
from handouts.targets import RenderRequest
from handouts.usecases import make_packet
from handouts.visit import UnprintableError, VisitError

# A worker's memory grows with every render in WeasyPrint's own caches; a fresh worker after this
# many packets keeps the server flat. Start-up of a worker costs about one render.
RECYCLE_AFTER = 100
CLIENT_CHECK_SECONDS = 0.1  # how often a waiting packet looks whether its client is still there
START_SECONDS = 120  # a worker loads the project, WeasyPrint and the fonts and makes one handout
STOP_GRACE_SECONDS = 5  # beyond the packet's own time limits, before its worker is stopped from here
RENDER_ATTEMPTS = 2  # a packet whose workers were stopped under it (another one was stuck) is made once more


class Busy(HandoutsError):
    """Every place in the queue is taken: the front desk should try again in a few seconds."""


class BadRequest(HandoutsError):
    """What the form asked for cannot be made: an unknown handout or language, a bad visit field."""


class WorkerStartError(HandoutsError):
    """A PDF worker could not start: the front desk cannot print."""


class ClientGone(Exception):
    """The client went away before its packet started; it was never rendered."""


@dataclass(frozen=True)
class Failure:
    """A user-fixable problem from a worker, as text (library exceptions do not all pickle)."""

    message: str
    bad_request: bool  # the form's fault (400), not a broken content file or template (422)


class RenderPool:
    """`workers` processes; at most `queue_limit` packets in the pool (rendering or waiting)."""

    def __init__(self, root: Path, workers: int, queue_limit: int | None = None, recycle_after: int = RECYCLE_AFTER):
        self.root = root
        self.workers = workers
        self.queue_limit = queue_limit or 2 * workers
        self.recycle_after = recycle_after
        self.budget = render_budget()
        self._places = threading.BoundedSemaphore(self.queue_limit)
        # A packet goes to the executor only when a worker is free: one handed over is out of reach
        # (the executor queues ahead), one still waiting here can be dropped when its client leaves.
        self._idle_workers = threading.BoundedSemaphore(workers)
        self._executor: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start every worker now and wait until each has warmed up, so the first patient does not
        wait for WeasyPrint to load; `WorkerStartError` says why one could not start."""
        try:
            ready = [self._submit(_ready, ())[1] for _ in range(self.workers)]
            problems = {future.result(timeout=START_SECONDS) for future in ready} - {None}
        except (OSError, RuntimeError) as error:  # no process or thread could be made: too many open files, ...
            raise WorkerStartError(
                f"a PDF worker could not start: {getattr(error, 'strerror', None) or error}"
            ) from None
        except BrokenProcessPool:
            raise WorkerStartError("a PDF worker could not start: it stopped while loading") from None
        except FutureTimeout:
            raise WorkerStartError(f"a PDF worker could not start within {START_SECONDS} seconds") from None
        if problems:
            raise WorkerStartError(f"a PDF worker could not start: {min(problems)}")

    def packet(
        self,
        slugs: list[str],
        language: str,
        large_print: bool,
        visit_fields: dict[str, str | None],
        client_gone: Callable[[], bool] = lambda: False,
    ) -> bytes:
        """One PDF for one visit, made by `usecases.make_packet` in a worker; `Busy` if the queue is
        full, `ClientGone` if the client left before a worker took the packet, `BadRequest` for
        what the form got wrong."""
        if not self._places.acquire(blocking=False):
            raise Busy("The front desk is busy making other PDFs: try again in a few seconds.")
        try:
            while not self._idle_workers.acquire(timeout=CLIENT_CHECK_SECONDS):
                if client_gone():
                    raise ClientGone()
            try:
                result = self._render((slugs, language, large_print, visit_fields))
            finally:
                self._idle_workers.release()
        finally:
            self._places.release()
        if isinstance(result, Failure):
            raise (BadRequest if result.bad_request else RenderError)(result.message)
        return result

    def _render(self, arguments: tuple) -> "bytes | Failure":
        """The packet made by a worker, within its time limit. The executor cannot stop one worker
        alone: when another packet's worker is stuck and every worker is stopped, or a worker
        crashes, the packet is made once more on the new workers; `Busy` if they break too."""
        limit = self.budget.seconds * max(1, len(arguments[0])) + STOP_GRACE_SECONDS
        for _ in range(RENDER_ATTEMPTS):
            executor, future = self._submit(_make_packet, arguments)
            try:
                return future.result(limit)
            except BrokenProcessPool:
                self._replace_broken(executor)
            except FutureTimeout:
                self._replace_broken(executor, stop_workers=True)
                raise self.budget.time_limit_error() from None
        raise Busy("A PDF worker stopped and is being restarted: try again in a few seconds.")

    def close(self) -> None:
        """Drop what is waiting; packets already rendering finish first (a few seconds at most)."""
        with self._lock:
            if self._executor is not None:
                self._executor.shutdown(wait=True, cancel_futures=True)
                self._executor = None

    def _submit(self, function: Callable, arguments: tuple) -> tuple[ProcessPoolExecutor, Future]:
        """The executor (made now if there is none) and the future of the call on it; on an executor
        already broken, a future that says so."""
        with self._lock:
            if self._executor is None:
                self._executor = ProcessPoolExecutor(
                    max_workers=self.workers,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_start_worker,
                    initargs=(self.root, os.getpid()),
                    max_tasks_per_child=self.recycle_after,
                )
            executor = self._executor
            try:
                return executor, executor.submit(function, *arguments)
            except BrokenProcessPool as error:
                broken: Future = Future()
                broken.set_exception(error)
                return executor, broken

    def _replace_broken(self, broken: ProcessPoolExecutor, stop_workers: bool = False) -> None:
        """A new executor for the next packet, unless another thread has made one already; with
        `stop_workers`, the broken one's workers are killed (one is stuck past every limit; the
        packets the others were making are made again by `_render`)."""
        with self._lock:
            if self._executor is broken:
                self._executor = None
        if stop_workers:
            for process in list((broken._processes or {}).values()):
                process.kill()
        broken.shutdown(wait=False, cancel_futures=True)


_start_problem: str | None = None


def _start_worker(root: Path, parent: int) -> None:
    """The build pool's worker set-up (Ctrl-C left to the server, exit when the server is gone, one
    Maker, the memory limit), then one handout rendered to load WeasyPrint and the fonts. What
    stops it is kept as one line for `_ready` to hand back (a raised error would only print a traceback)."""
    global _start_problem
    try:
        maker_module._start_worker(root, parent)
        _warm_up()
    except MemoryError:
        _start_problem = "not enough memory to load (HANDOUTS_RENDER_MEMORY_MB sets the limit)"
    except Exception as error:
        _start_problem = str(getattr(error, "strerror", None) or error).splitlines()[0]


def _warm_up() -> None:
    maker = _maker()
    for slug, languages in maker.project.catalog().items():
        try:
            maker.pdf(RenderRequest(slug, languages[0], maker.project.clinic.page_size))
            return
        except HandoutsError:  # a broken handout is reported when someone asks for it
            continue


def _maker() -> "maker_module.Maker":
    assert maker_module._worker is not None, "the pool's initializer makes the worker's Maker"
    return maker_module._worker


def _ready() -> str | None:
    """Submitting it makes the pool start a worker; what stopped the worker's start, if anything."""
    return _start_problem


def _make_packet(
    slugs: list[str], language: str, large_print: bool, visit_fields: dict[str, str | None]
) -> bytes | Failure:
    if _start_problem is not None:
        return Failure(f"the PDF worker could not start: {_start_problem}", bad_request=False)
    try:
        return make_packet(_maker(), slugs, language, large_print=large_print, visit_fields=visit_fields)
    except UnprintableError as error:  # the form is right, the fonts are short of it
        return Failure(str(error), bad_request=False)
    except (VisitError, UnknownHandoutError) as error:
        return Failure(str(error), bad_request=True)
    except HandoutsError as error:
        return Failure(str(error), bad_request=False)
