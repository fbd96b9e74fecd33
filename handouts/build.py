"""Making PDF files: the one path from a handout request to bytes, and safe writes to disk."""

import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from handouts.errors import HandoutsError, UnknownHandoutError
from handouts.project import Project
from handouts.render import Renderer, Request


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


class Builder:
    """Renders handouts of one project; keeps templates and fonts loaded between them."""

    def __init__(self, project: Project):
        self.project = project
        self.renderer = Renderer(project)

    def pdf(self, request: Request) -> bytes:
        html = self.renderer.html(request)
        from handouts.pdf import html_to_pdf  # WeasyPrint loads slowly: only when a PDF is made

        return html_to_pdf(html, self.project.root, self.project.asset_roots)

    def page_count(self, html: str) -> int:
        """Pages the HTML lays out to, without writing a PDF."""
        from handouts.pdf import render_document

        return len(render_document(html, self.project.root, self.project.asset_roots).pages)

    def build(self, targets: Iterable[Target], on_done: Callable[[Target, str | None], None]) -> list[str]:
        """Write every target; a failure does not stop the others. Returns the failures."""
        failures = []
        for target in targets:
            try:
                write_atomically(target.path, self.pdf(target.request))
                problem = None
            except HandoutsError as error:
                problem = f"{target.name}: {error}"
                failures.append(problem)
            on_done(target, problem)
        return failures


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
                folder = out_dir / language / ("large-print" if large else "")
                targets.append(Target(Request(slug, source, page_size, large), folder / f"{slug}.pdf"))
    if problems:
        raise UnknownHandoutError("\n".join(dict.fromkeys(problems)))
    return targets


def write_atomically(path: Path, data: bytes) -> None:
    """Write through a temporary file in the same folder, then rename: never a partial file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
