"""The front desk's render pool: worker processes that each load the project, the templates,
WeasyPrint and the fonts once, then make packets, so printing uses every core and one slow packet
does not hold up the others.

Packets wait their turn in a `Queue` with a deadline: a packet is taken in while it can start within
`queue_seconds` (15 by default), judged from the work ahead of it and the measured time per handout, so
a burst of desks waits a second or two instead of being told "busy". Beyond the deadline the caller gets
`Busy` with the seconds to wait before trying again. A packet whose client has gone away is dropped if
it has not started. Workers
are replaced after `RECYCLE_AFTER` packets (memory that WeasyPrint's caches keep), after a crash,
and exit by themselves when the server dies, even by kill -9.

Each render keeps to the budget of `handouts.budget` (the worker's own alarm and memory limit); a
worker that does not answer in time for all that is stopped from here and replaced, so no request
hangs. New workers are all started at once, and a packet given to them while they start has their
start-up added to its time. A worker that cannot start stops the server at once, saying why.

Visit details travel to the workers only through the pool's in-memory pipes: never a file, never
a log line. This module is the one place the front desk renders."""

import math
import multiprocessing
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from handouts import maker as maker_module
from handouts.budget import render_budget
from handouts.day import Packet, day_pdf, packet_pdf
from handouts.errors import HandoutsError, RenderError
from handouts.targets import RenderRequest
from handouts.usecases import make_packet

# A worker's memory grows with every render in WeasyPrint's own caches; a fresh worker after this
# many packets keeps the server flat. Start-up of a worker costs about one render.
RECYCLE_AFTER = 100
CLIENT_CHECK_SECONDS = 0.1  # how often a waiting packet looks whether its client is still there
START_SECONDS = 120  # a worker loads the project, WeasyPrint and the fonts and makes one handout
STOP_GRACE_SECONDS = 5  # beyond the packet's own time limits, before its worker is stopped from here
QUEUE_SECONDS = 15.0  # a packet is taken in while it can start within this many seconds
QUEUE_PLACES = 32  # and while fewer packets than this (or twice the workers) are in the pool
FIRST_GUESS_SECONDS = 1.0  # per handout, until the first packets have been timed
MEASURE_WEIGHT = 0.3  # the share of the newest packet in the running time per handout
RESTART_SECONDS = 3  # Retry-After while a stopped worker is replaced
MAX_RETRY_SECONDS = 60
BUSY_MESSAGE = "The front desk is busy making other PDFs: try again in a few seconds."
RENDER_ATTEMPTS = 2  # a packet whose workers were stopped under it (another one was stuck) is made once more


class Busy(HandoutsError):
    """The packet cannot start within the queue's deadline: the front desk should try again after
    `retry_after` seconds."""

    status = 503

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


class WorkerStartError(HandoutsError):
    """A PDF worker could not start: the front desk cannot print."""


class ClientGone(Exception):
    """The client went away before its packet started; it was never rendered."""


@dataclass(eq=False)
class _Ticket:
    handouts: int


class Queue:
    """Packets waiting for one of `workers`, first come, first served. A packet is taken in while the
    work ahead of it (rendering or waiting, in handouts, at the measured seconds per handout) lets it
    start within `seconds` and fewer than `places` packets are in; otherwise it is refused at once. One
    taken in that has still not started when `seconds` have passed is refused then. A refusal is
    `Busy`, with the seconds after which the work ahead should fit."""

    def __init__(self, workers: int, seconds: float, places: int):
        self.workers = workers
        self.seconds = seconds
        self.places = places
        self.seconds_per_handout = FIRST_GUESS_SECONDS
        self._waiting: deque[_Ticket] = deque()
        self._running = 0
        self._running_handouts = 0
        self._changed = threading.Condition()

    @property
    def packets(self) -> int:
        """Packets in: rendering or waiting."""
        return self._running + len(self._waiting)

    @contextmanager
    def turn(self, handouts: int, client_gone: Callable[[], bool] = lambda: False) -> Iterator[None]:
        """Waits for a worker's turn and holds it for the block; `Busy` past the deadline, `ClientGone`
        if the client leaves first. A block that ends normally is timed for the next estimates."""
        ticket = self._take_in(handouts)
        self._wait_for(ticket, client_gone)
        started = time.monotonic()
        try:
            yield
            self._measured((time.monotonic() - started) / handouts)
        finally:
            with self._changed:
                self._running -= 1
                self._running_handouts -= handouts
                self._changed.notify_all()

    def _take_in(self, handouts: int) -> _Ticket:
        with self._changed:
            wait = self._expected_wait()
            if self.packets >= self.places or wait > self.seconds:
                raise Busy(BUSY_MESSAGE, self._retry_after(wait))
            ticket = _Ticket(handouts)
            self._waiting.append(ticket)
            return ticket

    def _wait_for(self, ticket: _Ticket, client_gone: Callable[[], bool]) -> None:
        deadline = time.monotonic() + self.seconds
        with self._changed:
            while self._waiting[0] is not ticket or self._running >= self.workers:
                gone = client_gone()
                if gone or time.monotonic() >= deadline:
                    self._waiting.remove(ticket)
                    self._changed.notify_all()
                    if gone:
                        raise ClientGone()
                    raise Busy(BUSY_MESSAGE, self._retry_after(self._expected_wait()))
                self._changed.wait(CLIENT_CHECK_SECONDS)
            self._waiting.popleft()
            self._running += 1
            self._running_handouts += ticket.handouts
            self._changed.notify_all()  # the next in line may start on another worker

    def _expected_wait(self) -> float:
        """Seconds until a packet taken in now would start."""
        if self._running < self.workers and not self._waiting:
            return 0.0
        ahead = self._running_handouts + sum(ticket.handouts for ticket in self._waiting)
        return ahead / self.workers * self.seconds_per_handout

    def _retry_after(self, wait: float) -> int:
        return min(MAX_RETRY_SECONDS, max(1, math.ceil(wait - self.seconds)))

    def _measured(self, seconds: float) -> None:
        with self._changed:
            self.seconds_per_handout += MEASURE_WEIGHT * (seconds - self.seconds_per_handout)


class RenderPool:
    """`workers` processes; packets wait their turn in a `Queue` of `queue_seconds` and at most
    `queue_limit` packets (rendering or waiting)."""

    def __init__(
        self,
        root: Path,
        workers: int,
        queue_limit: int | None = None,
        recycle_after: int = RECYCLE_AFTER,
        queue_seconds: float = QUEUE_SECONDS,
    ):
        self.root = root
        self.workers = workers
        self.queue_limit = queue_limit or max(QUEUE_PLACES, 2 * workers)
        self.recycle_after = recycle_after
        self.budget = render_budget()
        # A packet goes to the executor only when a worker is free: one handed over is out of reach
        # (the executor queues ahead), one still waiting here can be dropped when its client leaves.
        self.queue = Queue(workers, queue_seconds, self.queue_limit)
        self._executor: ProcessPoolExecutor | None = None
        self._starting: list[Future] = []  # its workers' start-ups (`_ready`), all asked for at once
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start every worker now and wait until each has warmed up, so the first patient does not
        wait for WeasyPrint to load; `WorkerStartError` says why one could not start."""
        try:
            with self._lock:
                self._current_executor()
                starting = self._starting
            problems = {future.result(timeout=START_SECONDS) for future in starting} - {None}
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
        """One PDF for one visit, made by `usecases.make_packet` in a worker; `Busy` if it cannot
        start within the queue's deadline, `ClientGone` if the client left before a worker took the
        packet; what the worker raised (a `HandoutsError` with its status) for what could not be made."""
        handouts = max(1, len(slugs))
        with self.queue.turn(handouts, client_gone):
            return self._render(_make_packet, (slugs, language, large_print, visit_fields), handouts)

    def day(
        self, day: date, packets: list[Packet], desk_list: bool, client_gone: Callable[[], bool] = lambda: False
    ) -> bytes:
        """One PDF of a planned schedule, made in a worker as one job that waits its turn like a packet:
        with `desk_list`, the desk's list then every packet (`day.day_pdf`), else the one packet given."""
        handouts = sum(len(packet.requests) for packet in packets) + desk_list
        with self.queue.turn(max(1, handouts), client_gone):
            return self._render(_make_day, (day, packets, desk_list), max(1, handouts))

    def _render(self, function: Callable[..., bytes], arguments: tuple, handouts: int) -> bytes:
        """The PDF made by a worker, within the time limit of its `handouts`. The executor cannot stop one
        worker alone: when another packet's worker is stuck and every worker is stopped, or a worker
        crashes, the PDF is made once more on the new workers; `Busy` if they break too."""
        budget = replace(self.budget, parts=handouts)
        for _ in range(RENDER_ATTEMPTS):
            executor, future, warming = self._submit(function, arguments)
            # Workers still starting (just replaced) load WeasyPrint and make a handout before this one.
            limit = budget.total_seconds + STOP_GRACE_SECONDS + (START_SECONDS if warming else 0)
            try:
                return future.result(limit)
            except BrokenProcessPool:
                self._replace_broken(executor)
            except FutureTimeout:
                self._replace_broken(executor, stop_workers=True)
                raise budget.time_limit_error() from None
        raise Busy("A PDF worker stopped and is being restarted: try again in a few seconds.", RESTART_SECONDS)

    def close(self) -> None:
        """Drop what is waiting; packets already rendering finish first (a few seconds at most)."""
        with self._lock:
            if self._executor is not None:
                self._executor.shutdown(wait=True, cancel_futures=True)
                self._executor = None

    def _submit(self, function: Callable, arguments: tuple) -> tuple[ProcessPoolExecutor, Future, bool]:
        """The executor (made now if there is none), the future of the call on it (on an executor
        already broken, a future that says so), and whether its workers were still starting."""
        with self._lock:
            executor = self._current_executor()
            warming = not all(started.done() for started in self._starting)
            try:
                return executor, executor.submit(function, *arguments), warming
            except BrokenProcessPool as error:
                broken: Future = Future()
                broken.set_exception(error)
                return executor, broken, warming

    def _current_executor(self) -> ProcessPoolExecutor:
        """The executor; a new one has every worker started at once (the lock is held)."""
        if self._executor is None:
            self._executor = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker,
                initargs=(self.root, os.getpid()),
                max_tasks_per_child=self.recycle_after,
            )
            self._starting = [self._executor.submit(_ready) for _ in range(self.workers)]
        return self._executor

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


def _make_packet(slugs: list[str], language: str, large_print: bool, visit_fields: dict[str, str | None]) -> bytes:
    if _start_problem is not None:
        raise RenderError(f"the PDF worker could not start: {_start_problem}")
    return make_packet(_maker(), slugs, language, large_print=large_print, visit_fields=visit_fields)


def _make_day(day: date, packets: list[Packet], desk_list: bool) -> bytes:
    if _start_problem is not None:
        raise RenderError(f"the PDF worker could not start: {_start_problem}")
    if desk_list:
        return day_pdf(_maker(), day, packets)
    return packet_pdf(_maker(), packets[0])
