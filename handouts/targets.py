"""What to make: the PDFs a build plans (a handout in a language, page size and print size), where
each goes in an output folder, and what became of it. Nothing here renders, so a build with
nothing to do never loads the rendering code."""

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from handouts.errors import HandoutsError, UnknownHandoutError
from handouts.locales import babel_locale
from handouts.project import Project

if TYPE_CHECKING:
    from handouts.visit import Visit

LARGE_PRINT_FOLDER = "large-print"


@dataclass(frozen=True)
class RenderRequest:
    """What to render: one handout, from the content file of one language (the one asked for, or
    the fallback: see `Project.language_of`), at one page size, in standard or large print."""

    slug: str
    content_language: str
    page_size: str
    large_print: bool = False
    visit: "Visit | None" = field(default=None, repr=False)  # patient data: kept out of repr and logs


def output_name(language: str, slug: str, large_print: bool) -> str:
    """Where a handout goes in an output folder: `en/<slug>.pdf` or `en/large-print/<slug>.pdf`."""
    return f"{language}/{LARGE_PRINT_FOLDER + '/' if large_print else ''}{slug}.pdf"


@dataclass(frozen=True)
class Target:
    """One PDF to make and where it goes; `language` is the folder's language, which the request's
    content language differs from when a fallback stands in."""

    request: RenderRequest
    language: str
    out_dir: Path

    @property
    def name(self) -> str:
        return output_name(self.language, self.request.slug, self.request.large_print)

    @property
    def path(self) -> Path:
        return self.out_dir / self.name

    @property
    def label(self) -> str:
        """How messages name it: en/epidural-steroid-injection, es/large-print/pain-diary."""
        return self.name.removesuffix(".pdf")


@dataclass(frozen=True)
class Outcome:
    """What became of one target: written (with what the index and booklet need) or a problem."""

    target: Target
    problem: str | None = None
    title: str = ""
    version: int = 0
    pages: int = 0
    warnings: list[str] = field(default_factory=list)
    content_digest: str = ""  # the sha256 of the content file's bytes it was made from


def plan_targets(
    project: Project,
    slugs: list[str] | None,
    languages: list[str],
    page_size: str,
    sizes: list[str],
    out_dir: Path,
    fallback: str | None = None,
) -> list[Target]:
    """The PDFs to make: the given slugs (or every handout) in each language and print size. A
    handout missing in a language is an error (all of them listed at once), unless it exists in the
    fallback language; so is a language whose dates and names cannot be written. For the whole set
    without a fallback, a language whose folder lacks the files every language needs is one error
    listing them, not one per handout."""
    if slugs is None and fallback is None:
        for language in dict.fromkeys(languages):
            project.require_language(language)
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
                request = RenderRequest(slug, source, page_size, size == "large")
                targets.append(Target(request, language, out_dir))
    if problems:
        raise UnknownHandoutError("\n".join(dict.fromkeys(problems)))
    for language in dict.fromkeys(
        code for target in targets for code in (target.language, target.request.content_language)
    ):
        babel_locale(language)
    return targets
