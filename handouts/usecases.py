"""What the command line and the web page can do, once: list the handouts, make a packet for a
visit, build an output folder, check handouts. Each returns data and raises only the package's own
errors; `cli.py` and `server.py` parse, call one of these, and print or respond."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from handouts.errors import HandoutsError, UnknownHandoutError
from handouts.project import Project

if TYPE_CHECKING:  # each use case imports what it needs when it runs: listing never loads templates or Babel
    from handouts.batch import Summary
    from handouts.check import Finding, Report
    from handouts.maker import Maker, Outcome

STAFF_LANGUAGE = "en"  # the front desk reads titles in English where there is an English version


@dataclass(frozen=True)
class HandoutRow:
    """One handout as lists show it: titles in the staff's language, and every name it goes by."""

    slug: str
    title: str
    languages: list[str]
    status: str
    version: int
    other_names: list[str]
    names: list[str] = field(repr=False)


@dataclass(frozen=True)
class Catalog:
    rows: list[HandoutRow]
    broken: list[str]  # problems of files left off the list


def list_handouts(project: Project, *, every_name: bool = False, keep_going: bool = False) -> Catalog:
    """Every handout, shown in English if it has an English version, else its first language.
    `every_name` also reads the other languages (for search). A broken file is an error, or with
    `keep_going` is left off the list and its problem returned."""
    rows, broken = [], []
    for slug, languages in project.catalog().items():
        shown_language = STAFF_LANGUAGE if STAFF_LANGUAGE in languages else languages[0]
        try:
            shown = project.handout(shown_language, slug)
            others = [
                project.handout(language, slug) for language in languages if every_name and language != shown_language
            ]
        except HandoutsError as error:
            if not keep_going:
                raise
            broken.append(str(error))
            continue
        names = [slug] + [name for handout in (shown, *others) for name in (handout.title, *handout.also_known_as)]
        rows.append(
            HandoutRow(
                slug,
                shown.title,
                languages,
                shown.review.status,
                shown.review.version,
                list(shown.also_known_as),
                names,
            )
        )
    return Catalog(rows, broken)


def make_packet(
    maker: "Maker",
    slugs: list[str],
    language: str,
    *,
    page_size: str | None = None,
    large_print: bool = False,
    fallback: str | None = None,
    visit_fields: dict[str, str | None] | None = None,
) -> bytes:
    """One PDF for one visit: each handout in the language asked for (or the fallback), each on a
    new sheet. With `visit_fields` (even empty ones) each handout has an appointment box, filled in
    where a field is given. Nothing is written anywhere."""
    from handouts.render import RenderRequest
    from handouts.visit import Visit

    project = maker.project
    if not slugs:
        raise UnknownHandoutError("choose at least one handout")
    visit = None if visit_fields is None else Visit.from_fields(visit_fields)
    size = (page_size or project.clinic.page_size).lower()
    catalog = project.catalog()
    requests = [
        RenderRequest(slug, project.language_of(slug, language, fallback, catalog), size, large_print, visit)
        for slug in slugs
    ]
    return maker.packet(requests)


def build_folder(
    project: Project,
    slugs: list[str] | None,
    out_dir: Path,
    *,
    languages: list[str] | None = None,
    page_size: str | None = None,
    large_print: bool = False,
    fallback: str | None = None,
    jobs: int = 1,
    force: bool = False,
    fail_fast: bool = False,
    booklet: bool = False,
    on_start: Callable[[int], None] = lambda total: None,
    on_done: Callable[["Outcome"], None] = lambda outcome: None,
) -> "Summary":
    """Bring the output folder up to date: the named handouts (or every one, with `slugs=None`)
    in each language and print size the clinic makes. Named handouts are read before anything is
    written, so a mistyped or broken one writes nothing; in a full set a broken handout fails alone."""
    from handouts.batch import update_folder
    from handouts.maker import plan_targets

    clinic = project.clinic
    size = (page_size or clinic.page_size).lower()
    sizes: list[str] = ["large"] if large_print else list(clinic.print_sizes)
    targets = plan_targets(project, slugs, languages or clinic.languages, size, sizes, out_dir, fallback)
    if slugs is not None:
        for language, slug in dict.fromkeys(
            (target.request.content_language, target.request.slug) for target in targets
        ):
            project.handout(language, slug)
    return update_folder(
        project,
        targets,
        out_dir,
        jobs=jobs,
        force=force,
        fail_fast=fail_fast,
        booklet=booklet,
        on_start=on_start,
        on_done=on_done,
    )


@dataclass
class CheckResults:
    clinic: list["Finding"]  # about clinic.yaml and the shared blocks, reported once
    reports: list["Report"]  # one per handout and language

    @property
    def findings(self) -> list["Finding"]:
        return self.clinic + [finding for report in self.reports for finding in report.findings]


def check_handouts(
    project: Project,
    slugs: list[str],
    languages: list[str],
    *,
    require_approved: bool = False,
    out_dir: Path | None = None,
    jobs: int = 1,
    track: Callable[[list[tuple[str, str]]], Iterable[tuple[str, str]]] = iter,
) -> CheckResults:
    """Check the named handouts (every one when none is named) in the languages given (else every
    language each exists in); page counts of unchanged PDFs come from `out_dir`'s manifest, the
    others from layouts on `jobs` processes. `track` wraps the list of (language, slug) pairs, e.g. in a progress bar."""
    from handouts.check import Checker
    from handouts.maker import Maker

    catalog = project.catalog()
    chosen = slugs or list(catalog)
    pairs = [
        (language, slug) for slug in chosen for language in (languages or catalog.get(slug) or project.clinic.languages)
    ]
    checker = Checker(Maker(project), require_approved=require_approved, manifest_dir=out_dir)
    clinic = checker.clinic_findings() + [
        finding
        for language in dict.fromkeys(language for language, _ in pairs)
        for finding in checker.shared_text_findings(language)
    ]
    reports = checker.check_all(pairs, jobs, track)
    return CheckResults(clinic, reports)
