"""What one render may spend: a time limit (every render) and a memory limit (each worker process
that renders), so that no content file, logo or packet can stall the front desk or the build.
Set with HANDOUTS_RENDER_SECONDS and HANDOUTS_RENDER_MEMORY_MB; the defaults are many times what
the largest handout needs (about 1 second and 250 MB)."""

import os
import resource
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from handouts.errors import HandoutsError, RenderError

SECONDS_ENVIRONMENT = "HANDOUTS_RENDER_SECONDS"
MEMORY_ENVIRONMENT = "HANDOUTS_RENDER_MEMORY_MB"
DEFAULT_SECONDS = 60.0
DEFAULT_MEMORY_MB = 2048
MEGABYTE = 1024 * 1024
KILL_MARGIN_SECONDS = 2.0
RING_AGAIN_SECONDS = 0.05


class BudgetError(HandoutsError):
    """A limit set to something that is not a positive number."""


class _OutOfTime(BaseException):
    """Raised by the alarm inside the render; a BaseException, so no `except Exception` on the way swallows it."""


@dataclass(frozen=True)
class Budget:
    seconds: float  # for one part: a handout, a "Your plan" sheet, the desk's list
    memory_mb: int
    parts: int = 1  # what the render makes: its time is `seconds` for each

    @property
    def total_seconds(self) -> float:
        return self.seconds * self.parts

    @property
    def deadline(self) -> float:
        """Seconds after which the parent of a worker ends it with SIGKILL: the alarm rings inside
        the render, where WeasyPrint may swallow it (it catches everything while it draws an SVG)."""
        return self.total_seconds + max(KILL_MARGIN_SECONDS, self.total_seconds / 10)

    def time_limit_error(self) -> RenderError:
        if self.parts == 1:
            return RenderError(
                f"took longer than {self.seconds:g} seconds to make ({SECONDS_ENVIRONMENT} sets the limit)"
            )
        return RenderError(
            f"took longer than {self.total_seconds:g} seconds to make as one PDF: {self.seconds:g} seconds "
            f"for each of its {self.parts} parts ({SECONDS_ENVIRONMENT} sets the time for one)"
        )

    def memory_error(self) -> RenderError:
        return RenderError(
            f"needed more than {self.memory_mb} MB of memory to make ({MEMORY_ENVIRONMENT} sets the limit)"
        )


SECONDS_RANGE = (0.001, 86400.0)
MEMORY_MB_RANGE = (64.0, 1048576.0)  # a worker needs about 400 MB to start: below that `serve` says so


def render_budget() -> Budget:
    """The limits this process's environment sets, or the defaults."""
    seconds = _within(SECONDS_ENVIRONMENT, DEFAULT_SECONDS, SECONDS_RANGE)
    return Budget(seconds, int(_within(MEMORY_ENVIRONMENT, DEFAULT_MEMORY_MB, MEMORY_MB_RANGE)))


def _within(name: str, default: float, bounds: tuple[float, float]) -> float:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    low, high = bounds
    if not low <= value <= high:
        raise BudgetError(f"{name}={text}: not a number from {low:g} to {high:.0f}")
    return value


@contextmanager
def time_limit(budget: Budget) -> Iterator[None]:
    """Ends the block with the budget's RenderError once its seconds are up (and its MemoryError with
    the memory one). Past the budget the alarm rings again every RING_AGAIN_SECONDS, as code that
    catches every exception (WeasyPrint drawing an SVG) may swallow a ring; a block stuck where no
    ring gets in is for a worker's parent to end (`Budget.deadline`). The alarm needs the main
    thread: elsewhere the block runs unlimited in time."""
    if threading.current_thread() is not threading.main_thread():
        with memory_errors(budget):
            yield
        return
    armed = True
    rang = False

    def out_of_time(signum: int, frame: object) -> None:
        nonlocal rang
        if armed:  # a ring already on its way when the block ended is dropped
            rang = True
            raise _OutOfTime()

    previous = signal.signal(signal.SIGALRM, out_of_time)
    try:
        try:
            signal.setitimer(
                signal.ITIMER_REAL, budget.total_seconds, RING_AGAIN_SECONDS
            )  # a tiny budget may ring at once
            with memory_errors(budget):
                yield
            if rang:  # every ring was swallowed, and the block ended past its time all the same
                raise _OutOfTime()
        finally:
            armed = False
            signal.setitimer(signal.ITIMER_REAL, 0)
    except _OutOfTime:
        raise budget.time_limit_error() from None
    finally:
        signal.signal(signal.SIGALRM, previous)


@contextmanager
def memory_errors(budget: Budget) -> Iterator[None]:
    try:
        yield
    except MemoryError:
        raise budget.memory_error() from None


def limit_memory(budget: Budget) -> None:
    """For a worker process: its address space may not grow past the budget."""
    limit = budget.memory_mb * MEGABYTE
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (limit if hard == resource.RLIM_INFINITY else min(limit, hard), hard))
