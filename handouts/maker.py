"""Making PDFs: the one path from a render request to PDF bytes (one handout, or a packet of
several), and writing a list of targets on a pool of worker processes."""

import os
import signal
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from handouts import LANGUAGE_HELP
from handouts.budget import limit_memory, render_budget, time_limit
from handouts.content import Handout
from handouts.errors import HandoutsError, RenderError
from handouts.files import private_temp_folder, remove_partial, write_atomically
from handouts.glyphs import coverage
from handouts.logs import collected_warnings, kept_private, report
from handouts.project import Project
from handouts.render import Renderer
from handouts.targets import Outcome, RenderRequest, Target
from handouts.visit import require_printable

if TYPE_CHECKING:
    from handouts.pdf import Part


PACKET = "packet"
"""How warnings about writing a packet are reported."""


@dataclass(frozen=True)
class LaidOut:
    handout: Handout  # as written in its file
    content_digest: str
    part: "Part"
    warnings: list[str]


@dataclass(frozen=True)
class Layout:
    """What a laid-out page prints: its page count and every word it draws, one space apart."""

    pages: int
    text: str
    sources_only_at_end: bool  # whether its last page prints no word but the sources'


@dataclass(frozen=True)
class Rendered:
    handout: Handout
    content_digest: str
    pdf: bytes
    pages: int
    warnings: list[str]


class Maker:
    """Makes the PDFs of one project; keeps templates and fonts loaded between them."""

    def __init__(self, project: Project):
        private_temp_folder()
        self.project = project
        self.renderer = Renderer(project)
        self.budget = render_budget()

    def render(self, request: RenderRequest) -> Rendered:
        """One handout as PDF bytes, with what WeasyPrint warned about while making it."""
        laid = self.lay_out(request)
        pdf, written = self.write_pdf([laid.part], private=request.visit is not None)
        return Rendered(laid.handout, laid.content_digest, pdf, len(laid.part.document.pages), laid.warnings + written)

    def lay_out(self, request: RenderRequest) -> LaidOut:
        """One handout's pages, within the render budget. A visit detail no bundled font draws is
        refused before anything is made."""
        if request.visit is not None:
            require_printable(request.visit, coverage(tuple(self.project.asset_roots)))
        page = self.renderer.page(request)
        with self.watched(private=request.visit is not None) as found:
            from handouts.pdf import Part, render_document  # WeasyPrint loads slowly: only when a PDF is made

            document = render_document(page.html, self.project.root, self.project.asset_roots)
        return LaidOut(page.handout, page.content_digest, Part(document, request.content_language), found)

    def write_pdf(
        self, parts: "list[Part]", title: str | None = None, language: str | None = None, private: bool = False
    ) -> tuple[bytes, list[str]]:
        """Laid-out parts as one tagged PDF (see `handouts.pdf.write_pdf`), and the warnings; the
        render budget's time is for each part (a day of 40 packets is one PDF of 120 parts)."""
        with self.watched(private, parts=len(parts)) as found:
            from handouts.pdf import write_pdf

            pdf = write_pdf(parts, title, language)
        return pdf, found

    @contextmanager
    def watched(self, private: bool, parts: int = 1) -> Iterator[list[str]]:
        """Within the render budget (its time once for each of `parts`), the warnings given while the
        block runs, in the list it gets (once it ends). Those of a render that holds visit details,
        Python's own included, are counted, never quoted."""
        found: list[str] = []
        with ExitStack() as stack:
            collected = stack.enter_context(collected_warnings())
            caught = stack.enter_context(warnings.catch_warnings(record=True)) if private else []
            stack.enter_context(time_limit(replace(self.budget, parts=parts)))
            yield found
        found.extend(kept_private([*collected, *map(str, caught)]) if private else collected)

    def pdf(self, request: RenderRequest) -> bytes:
        """One handout as PDF bytes; warnings are reported under its slug."""
        rendered = self.render(request)
        report(request.slug, rendered.warnings)
        return rendered.pdf

    def packet(self, requests: list[RenderRequest], language: str) -> bytes:
        """One PDF of several handouts for one visit, laid out one by one and written as one tagged
        document: the "Your plan" sheet first when the visit has a procedure date and time, then each
        handout on a new sheet, keeping its own language, page numbers and bookmark; the title names
        the handouts in the packet's `language`."""
        sheet_html = self.renderer.plan_sheet(requests, language)
        help_last = self.project.clinic.language_help.in_packets
        if len(requests) == 1 and sheet_html is None and not help_last:
            return self.pdf(requests[0])
        laid, parts = self.visit_parts(requests, sheet_html, language)
        if help_last:
            parts.append(self.language_help_part(requests[0].page_size, requests[0].large_print))
        titles = ", ".join(one.handout.title for one in laid)
        title = self.project.labels(language).visit_title.replace("{titles}", titles)
        private = any(request.visit is not None for request in requests)
        pdf, written = self.write_pdf(parts, title, language, private)
        report(PACKET, written)
        return pdf

    def visit_parts(
        self, requests: list[RenderRequest], sheet_html: str | None, language: str
    ) -> "tuple[list[LaidOut], list[Part]]":
        """A visit's handouts laid out, and its parts in print order: the "Your plan" sheet
        (`sheet_html`, when there is one) first, then each handout. The handouts are laid out first:
        each refuses a visit detail no bundled font draws, the sheet's included."""
        laid = []
        for request in requests:
            try:
                one = self.lay_out(request)
            except RenderError as error:  # out of time or memory: which handout of the packet it was
                raise RenderError(f"{request.slug}: {error}") from None
            report(request.slug, one.warnings)
            laid.append(one)
        parts = [one.part for one in laid]
        if sheet_html is not None:
            parts.insert(0, self.plan_sheet(sheet_html, language))
        return laid, parts

    def language_help_part(self, page_size: str, large_print: bool) -> "Part":
        """The free language help notice (`Renderer.language_help`) laid out."""
        html = self.renderer.language_help(page_size, large_print)
        with self.watched(private=False) as found:
            from handouts.pdf import Part, render_document

            document = render_document(html, self.project.root, self.project.asset_roots)
        report(LANGUAGE_HELP, found)
        return Part(document, self.project.clinic.languages[0])

    def language_help_pdf(self, page_size: str, large_print: bool) -> bytes:
        """The notice alone, as one PDF."""
        part = self.language_help_part(page_size, large_print)
        pdf, written = self.write_pdf([part])
        report(LANGUAGE_HELP, written)
        return pdf

    def plan_sheet(self, html: str, language: str) -> "Part":
        """The visit's "Your plan" sheet (`Renderer.plan_sheet`) laid out."""
        try:
            with self.watched(private=True) as found:
                from handouts.pdf import Part, render_document

                document = render_document(html, self.project.root, self.project.asset_roots)
        except RenderError as error:
            raise RenderError(f"the plan sheet: {error}") from None
        report(PACKET, found)
        return Part(document, language)

    def layout(self, html: str) -> Layout:
        """Pages the HTML lays out to and the words they print, without writing a PDF."""
        with collected_warnings(), time_limit(self.budget):
            from handouts.pdf import only_sources_on_last_page, printed_text, render_document

            document = render_document(html, self.project.root, self.project.asset_roots)
            return Layout(len(document.pages), printed_text(document), only_sources_on_last_page(document))

    def write(self, target: Target) -> Outcome:
        """Render one target and write it atomically; a user-fixable problem becomes the outcome."""
        try:
            rendered = self.render(target.request)
            write_atomically(target.path, rendered.pdf)
        except HandoutsError as error:
            return Outcome(target, problem=str(error))
        except MemoryError:  # past the memory limit outside the watched blocks: writing the PDF, say
            return Outcome(target, problem=str(self.budget.memory_error()))
        review = rendered.handout.review
        return Outcome(
            target,
            title=rendered.handout.title,
            version=review.version,
            pages=rendered.pages,
            warnings=rendered.warnings,
            content_digest=rendered.content_digest,
        )

    def write_all(
        self, targets: list[Target], on_done: Callable[[Outcome], None], jobs: int = 1, fail_fast: bool = False
    ) -> list[Outcome]:
        """Write every target, on `jobs` processes; a failure does not stop the others unless
        `fail_fast`. Ctrl-C stops at once: files are whole or absent, never partial."""
        outcomes: list[Outcome] = []

        def done(outcome: Outcome) -> bool:
            outcomes.append(outcome)
            report(outcome.target.label, outcome.warnings)
            on_done(outcome)
            return fail_fast and outcome.problem is not None

        if jobs <= 1 or len(targets) <= 1:
            for target in targets:
                if done(self.write(target)):
                    break
            return outcomes
        remaining = targets
        while remaining:
            remaining = self._write_on_pool(remaining, jobs, done)
        return outcomes

    def _write_on_pool(self, targets: list[Target], jobs: int, done: Callable[[Outcome], bool]) -> list[Target]:
        """Write the targets on a pool of workers, watched: a worker still on one target past the
        budget's deadline is ended (SIGKILL) and the target fails with the time-limit error. The pool
        is lost with that worker: the targets not yet written are given back, to go on a fresh one.
        None are given back once all are written, or when `done` says to stop."""
        clock = Clock(len(targets))
        ended: list[int] = []
        with self._pool(jobs, len(targets), clock) as pool:
            pending = {pool.submit(_write_in_worker, index, target): index for index, target in enumerate(targets)}
            try:
                while pending:
                    finished, _ = wait(pending, timeout=WATCH_SECONDS, return_when=FIRST_COMPLETED)
                    for future in finished:
                        index = pending.pop(future)
                        if done(self._outcome(future, targets[index])):
                            return []
                    ended = clock.overdue(pending.values(), self.budget.deadline)
                    if ended:
                        stop = self._end(ended, targets, clock, done)
                        return [] if stop else [targets[index] for index in pending.values() if index not in ended]
                return []
            except BrokenProcessPool:
                raise RenderError(WORKER_STOPPED) from None
            finally:  # on fail-fast or Ctrl-C: drop what has not started; running renders finish whole
                for future in pending:
                    future.cancel()
                ended += self._finish_running(
                    {future: index for future, index in pending.items() if not future.cancelled()}, clock
                )
                pool.shutdown(wait=True, cancel_futures=True)
                for index in ended:  # its worker is gone: what it was writing may be left aside
                    remove_partial(targets[index].path)

    def _end(self, ended: list[int], targets: list[Target], clock: "Clock", done: Callable[[Outcome], bool]) -> bool:
        """End the workers past their deadline; each target fails with the time-limit error. Whether to stop."""
        stop = False
        for index in ended:
            clock.end(index)
            stop = done(Outcome(targets[index], problem=str(self.budget.time_limit_error()))) or stop
        return stop

    def _finish_running(self, running: dict[Future, int], clock: "Clock") -> list[int]:
        """Wait for the renders under way, ending any that runs past the deadline; those ended."""
        ended = []
        while running:
            finished, _ = wait(running, timeout=WATCH_SECONDS)
            for future in finished:
                del running[future]
            for index in clock.overdue(running.values(), self.budget.deadline):
                clock.end(index)
                ended.append(index)
        return ended

    def _outcome(self, future: "Future[Outcome]", target: Target) -> Outcome:
        """A worker's outcome; a MemoryError it raised past `write` (handing the outcome back) is the memory error."""
        try:
            return future.result()
        except MemoryError:
            return Outcome(target, problem=str(self.budget.memory_error()))

    @contextmanager
    def page_counter(self, jobs: int = 1) -> Iterator[Callable[[str], Callable[[], Layout | str]]]:
        """A function that takes an HTML to lay out and gives back how to get its layout (or the
        problem that stopped it). On `jobs` > 1 processes of the same pool as `write_all`,
        each layout starts as soon as it is given, so the caller can work meanwhile; leaving the block
        (Ctrl-C included) drops what has not started. On one, it is laid out when its count is asked for."""
        if jobs <= 1:
            yield lambda html: partial(pages_or_problem, self, html)
            return
        with self._pool(jobs, jobs) as pool:
            try:
                yield lambda html: pool.submit(_count_in_worker, html).result
            finally:
                pool.shutdown(wait=True, cancel_futures=True)

    def _pool(self, jobs: int, tasks: int, clock: "Clock | None" = None) -> ProcessPoolExecutor:
        """Worker processes that each load this project, WeasyPrint and the fonts once (and note on
        `clock` when they start each target)."""
        return ProcessPoolExecutor(
            max_workers=min(jobs, tasks), initializer=_start_worker, initargs=(self.project.root, os.getpid(), clock)
        )


WATCH_SECONDS = 0.2  # how often the parent looks for a worker past its deadline


class Clock:
    """When each target of a pool started (by time.monotonic(), a clock every process shares; 0
    before) and in which worker process: shared memory the workers write and the parent reads."""

    def __init__(self, tasks: int):
        from multiprocessing.sharedctypes import RawArray

        self.started: Any = RawArray("d", tasks)
        self.pids: Any = RawArray("i", tasks)

    def start(self, index: int) -> None:
        """In the worker, as it starts the target."""
        self.pids[index] = os.getpid()
        self.started[index] = time.monotonic()

    def overdue(self, indexes: Iterable[int], deadline: float) -> list[int]:
        now = time.monotonic()
        return [index for index in indexes if self.started[index] and now - self.started[index] > deadline]

    def end(self, index: int) -> None:
        """End the worker on the target (once: its clock stops)."""
        self.started[index] = 0
        with suppress(ProcessLookupError):  # it finished meanwhile
            os.kill(self.pids[index], signal.SIGKILL)


_worker: Maker | None = None
_clock: Clock | None = None
PARENT_CHECK_SECONDS = 0.5
WORKER_STOPPED = (
    "a render worker stopped in the middle of a handout (out of memory? HANDOUTS_RENDER_MEMORY_MB sets its limit)"
)


def _start_worker(root: Path, parent: int, clock: Clock | None = None) -> None:
    """Each worker process loads the project, templates, WeasyPrint and fonts once, keeps to the
    budget's memory limit from then on, and ends itself when its parent is gone (even killed with
    SIGKILL, which leaves no chance to clean up)."""
    global _worker, _clock
    _clock = clock
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is handled by the parent
    threading.Thread(target=_exit_with_parent, args=(parent,), name="parent-watch", daemon=True).start()
    _worker = Maker(Project(root))
    import handouts.pdf  # noqa: F401  WeasyPrint and its libraries load before the limit: a render cannot do without them

    limit_memory(_worker.budget)


def _exit_with_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(1)


def _write_in_worker(index: int, target: Target) -> Outcome:
    assert _worker is not None and _clock is not None, "the pool's initializer makes the worker's Maker and clock"
    _clock.start(index)
    return _worker.write(target)


def pages_or_problem(maker: Maker, html: str) -> Layout | str:
    """The layout (page count and printed words), or the message of a user-fixable problem (an
    exception would not survive the way back from a worker process as it was raised)."""
    try:
        return maker.layout(html)
    except HandoutsError as error:
        return str(error)


def _count_in_worker(html: str) -> Layout | str:
    assert _worker is not None, "the pool's initializer makes the worker's Maker"
    return pages_or_problem(_worker, html)
