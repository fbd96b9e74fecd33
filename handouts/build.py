"""Making PDF files: the one path from a handout request to bytes, and safe writes to disk."""

import os
import signal
import tempfile
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from handouts.content import Handout
from handouts.errors import HandoutsError, UnknownHandoutError
from handouts.project import Project
from handouts.render import Renderer, Request
from handouts.sheets import Part, join


@dataclass(frozen=True)
class Target:
    """One PDF to make and where it goes."""

    request: Request
    path: Path

    @property
    def name(self) -> str:
        """How messages name it: en/epidural-steroid-injection, es/large-print/pain-diary."""
        request = self.request
        return f"{request.language}/{'large-print/' if request.large_print else ''}{request.slug}"


@dataclass(frozen=True)
class Outcome:
    """What became of one target: built (with what the index and booklet need) or a problem."""

    target: Target
    problem: str | None = None
    title: str = ""
    version: int = 0
    pages: int = 0


@dataclass(frozen=True)
class Rendered:
    handout: Handout
    pdf: bytes
    pages: int


class Builder:
    """Renders handouts of one project; keeps templates and fonts loaded between them."""

    def __init__(self, project: Project):
        self.project = project
        self.renderer = Renderer(project)

    def render(self, request: Request) -> Rendered:
        page = self.renderer.page(request)
        from handouts.pdf import render_document, write_pdf  # WeasyPrint loads slowly: only when a PDF is made

        document = render_document(page.html, self.project.root, self.project.asset_roots)
        return Rendered(page.handout, write_pdf(document), len(document.pages))

    def pdf(self, request: Request) -> bytes:
        return self.render(request).pdf

    def packet(self, requests: list[Request]) -> bytes:
        """One PDF of several handouts for one visit, each starting on a new sheet."""
        if len(requests) == 1:
            return self.pdf(requests[0])
        parts = []
        for request in requests:
            rendered = self.render(request)
            parts.append(Part(rendered.handout.title, rendered.pdf, rendered.pages))
        return join(parts, title=", ".join(part.title for part in parts), author=self.project.clinic.name,
                    language=requests[0].language)

    def page_count(self, html: str) -> int:
        """Pages the HTML lays out to, without writing a PDF."""
        from handouts.pdf import render_document

        return len(render_document(html, self.project.root, self.project.asset_roots).pages)

    def write(self, target: Target) -> Outcome:
        """Render one target and write it atomically; a user-fixable problem becomes the outcome."""
        try:
            rendered = self.render(target.request)
            write_atomically(target.path, rendered.pdf)
        except HandoutsError as error:
            return Outcome(target, problem=f"{target.name}: {error}")
        review = rendered.handout.review
        return Outcome(target, title=rendered.handout.title, version=review.version, pages=rendered.pages)

    def build(self, targets: list[Target], on_done: Callable[[Outcome], None], jobs: int = 1,
              fail_fast: bool = False) -> list[Outcome]:
        """Write every target, on `jobs` processes; a failure does not stop the others unless
        `fail_fast`. Ctrl-C stops at once: files are whole or absent, never partial."""
        outcomes: list[Outcome] = []

        def done(outcome: Outcome) -> bool:
            outcomes.append(outcome)
            on_done(outcome)
            return fail_fast and outcome.problem is not None

        if jobs <= 1 or len(targets) <= 1:
            for target in targets:
                if done(self.write(target)):
                    break
            return outcomes
        with ProcessPoolExecutor(max_workers=min(jobs, len(targets)), initializer=_start_worker,
                                 initargs=(self.project.root,)) as pool:
            futures = [pool.submit(_write_in_worker, target) for target in targets]
            try:
                for future in as_completed(futures):
                    if done(future.result()):
                        break
            finally:  # on fail-fast or Ctrl-C: drop what has not started; running renders finish whole
                pool.shutdown(wait=True, cancel_futures=True)
        return outcomes


_worker: Builder | None = None


def _start_worker(root: Path) -> None:
    """Each worker process loads the project, templates, WeasyPrint and fonts once."""
    global _worker
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is handled by the parent
    _worker = Builder(Project(root))


def _write_in_worker(target: Target) -> Outcome:
    return _worker.write(target)


def plan(project: Project, slugs: list[str] | None, languages: list[str], page_size: str,
         sizes: list[str], out_dir: Path, fallback: str | None = None) -> list[Target]:
    """The PDFs to make: the given slugs (or every handout) in each language and print size, as
    `<out_dir>/<lang>/<slug>.pdf` and `<out_dir>/<lang>/large-print/<slug>.pdf`. A handout missing
    in a language is an error (all of them listed at once), unless it exists in the fallback language."""
    catalog = project.catalog()
    targets, problems = [], []
    for language in languages:
        for slug in slugs if slugs is not None else list(catalog):
            try:
                source = project.language_of(slug, language, fallback, catalog)
            except HandoutsError as error:
                problems.append(str(error))
                continue
            for size in sizes:
                large = size == "large"
                targets.append(Target(Request(slug, source, page_size, large), output_path(out_dir, language, slug, large)))
    if problems:
        raise UnknownHandoutError("\n".join(dict.fromkeys(problems)))
    return targets


def output_path(out_dir: Path, language: str, slug: str, large_print: bool) -> Path:
    """`<out_dir>/<lang>/<slug>.pdf`, or `<out_dir>/<lang>/large-print/<slug>.pdf`."""
    return out_dir / language / ("large-print" if large_print else "") / f"{slug}.pdf"


def write_atomically(path: Path, data: bytes) -> None:
    """Write through a temporary file in the same folder, then rename: never a partial file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            os.fchmod(file.fileno(), 0o666 & ~current_umask())  # as open() would, not mkstemp's 0600
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
