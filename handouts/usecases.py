"""What the command line and the web page can do, once: list the handouts, make a packet for a
visit, build an output folder, check handouts, approve them, report on their review. Each returns data and raises only the package's own
errors; `cli.py` and `server.py` parse, call one of these, and print or respond."""

from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from handouts import LANGUAGE_HELP
from handouts.approvals import refuse_library
from handouts.errors import HandoutsError, UnknownHandoutError
from handouts.project import Project

if TYPE_CHECKING:  # each use case imports what it needs when it runs: listing never loads templates or Babel
    from handouts.batch import Summary, Update
    from handouts.check import Finding, Report, Tracker
    from handouts.day import Packet
    from handouts.maker import Maker

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
    where a field is given; with a procedure date and time, a "Your plan" sheet comes first. A
    procedure date before the clinic's today is refused. Nothing is written anywhere."""
    from handouts.plan import refuse_past_date
    from handouts.targets import RenderRequest
    from handouts.visit import Visit

    project = maker.project
    if not slugs:
        raise UnknownHandoutError("choose at least one handout")
    if LANGUAGE_HELP in slugs:  # the notice is for everyone: alone, in every language, no visit on it
        if len(slugs) > 1 or any((visit_fields or {}).values()):
            raise UnknownHandoutError(
                f"{LANGUAGE_HELP}: the notice prints on its own, without visit details"
                " (clinic.yaml language_help.in_packets adds it to every packet)"
            )
        return maker.language_help_pdf(project.page_size(page_size), large_print)
    visit = None if visit_fields is None else Visit.from_fields(visit_fields)
    if visit is not None and visit.date is not None:
        refuse_past_date(visit.date, project.clinic.policies)
    size = project.page_size(page_size)
    catalog = project.catalog()
    requests = [
        RenderRequest(slug, project.language_of(slug, language, fallback, catalog), size, large_print, visit)
        for slug in slugs
    ]
    return maker.packet(requests, language)


def build_folder(
    project: Project,
    slugs: list[str] | None,
    out_dir: Path,
    *,
    languages: list[str] | None = None,
    page_size: str | None = None,
    large_print: bool = False,
    fallback: str | None = None,
    how: "Update | None" = None,
) -> "Summary":
    """Bring the output folder up to date: the named handouts (or every one, with `slugs=None`)
    in each language and print size the clinic makes. Named handouts are read before anything is
    written, so a mistyped or broken one writes nothing; in a full set a broken handout fails alone."""
    from handouts.batch import Update, update_folder
    from handouts.targets import plan_targets

    clinic = project.clinic
    sizes: list[str] = ["large"] if large_print else list(clinic.print_sizes)
    targets = plan_targets(
        project, slugs, languages or clinic.languages, project.page_size(page_size), sizes, out_dir, fallback
    )
    if slugs is not None:
        for language, slug in dict.fromkeys(
            (target.request.content_language, target.request.slug) for target in targets
        ):
            project.handout(language, slug)
    return update_folder(project, targets, out_dir, how or Update())


@dataclass
class CheckResults:
    clinic: list["Finding"]  # about clinic.yaml and the shared blocks, reported once
    reports: list["Report"]  # one per handout and language

    @property
    def findings(self) -> list["Finding"]:
        return self.clinic + [finding for report in self.reports for finding in report.findings]


def chosen_handouts(project: Project, slugs: list[str] | None, languages: list[str]) -> list[tuple[str, str]]:
    """(language, slug) of each handout a command works on: the named ones in the languages given
    (one missing in a language is that command's error to report), else every language each exists
    in; with `slugs=None`, every handout, in each of the languages given that it exists in."""
    catalog = project.catalog()
    if slugs is None:
        return [
            (language, slug)
            for slug, existing in catalog.items()
            for language in existing
            if not languages or language in languages
        ]
    return [
        (language, slug) for slug in slugs for language in languages or catalog.get(slug) or project.clinic.languages
    ]


def check_handouts(
    project: Project,
    slugs: list[str],
    languages: list[str],
    *,
    require_approved: bool = False,
    out_dir: Path | None = None,
    jobs: int = 1,
    track: "Tracker" = nullcontext,
) -> CheckResults:
    """Check the named handouts (every one when none is named) in the languages given (else every
    language each exists in); page counts of unchanged PDFs come from `out_dir`'s manifest, the
    others from layouts on `jobs` processes. `track` wraps the list of (language, slug) pairs, e.g. in a progress bar."""
    from handouts.check import Checker
    from handouts.maker import Maker

    if not slugs:  # every handout: a language without its files would be left out without a word
        for language in dict.fromkeys(languages or project.clinic.languages):
            project.require_language(language)
    pairs = chosen_handouts(project, slugs or None, languages)
    checker = Checker(Maker(project), require_approved=require_approved, manifest_dir=out_dir)
    clinic = checker.clinic_findings() + [
        finding
        for language in dict.fromkeys(language for language, _ in pairs)
        for finding in checker.shared_text_findings(language)
    ]
    reports = checker.check_all(pairs, jobs, track)
    return CheckResults(clinic, reports)


@dataclass(frozen=True)
class Approved:
    slug: str
    language: str
    version: int
    fingerprint: str


APPROVAL_YEARS = range(2000, 2100)  # the review a year later must still be a date Python can hold


def approve_handouts(
    project: Project, slugs: list[str] | None, approved_by: str, languages: list[str], approved_on: date
) -> list[Approved]:
    """Record in the project's approvals.yaml that `approved_by` approved each named handout (every
    one with `slugs=None`), in the languages given (else every language it exists in), as it prints
    today. Every handout is read before anything is written; the built-in library is refused."""
    from handouts.approvals import Approval, Approvals, next_review_after, read_approvals, write_approvals
    from handouts.render import Renderer
    from handouts.targets import RenderRequest
    from handouts.visit import cleaned

    refuse_library(project.root, project.library)
    if slugs == []:
        raise UnknownHandoutError("name at least one handout to approve")
    approved_by = cleaned(approved_by)  # printed in every footer: no control or direction-changing characters
    if not approved_by:
        raise UnknownHandoutError('--by: say who approves, e.g. "A. Lee, MD"')
    if approved_on.year not in APPROVAL_YEARS:
        raise UnknownHandoutError(f"--date: not a year from {APPROVAL_YEARS[0]} to {APPROVAL_YEARS[-1]}")
    catalog = project.catalog()
    renderer = Renderer(project)
    approvals = read_approvals(project.root)
    records = {slug: dict(languages_) for slug, languages_ in approvals.approvals.items()}
    done = []
    for language, slug in chosen_handouts(project, slugs, languages):
        project.language_of(slug, language, catalog=catalog)  # unknown, or missing in that language: an error
        page = renderer.page(RenderRequest(slug, language, project.page_size()))
        version = page.handout.review.version
        records.setdefault(slug, {})[language] = Approval(
            version=version,
            approved_by=approved_by,
            approved_on=approved_on,
            next_review=next_review_after(approved_on),
            fingerprint=page.approval.signed(approved_by),
        )
        done.append(Approved(slug, language, version, page.approval.signed(approved_by)))
    if not done:
        raise UnknownHandoutError(f"no handout to approve{' in ' + ', '.join(languages) if languages else ''}")
    write_approvals(project.root, Approvals(approvals=records))
    return done


@dataclass(frozen=True)
class ReviewRow:
    """One handout in one language, as the review report shows it."""

    slug: str
    language: str
    title: str
    status: str  # approved, changed (since approval), draft, or broken
    version: int | None = None
    reviewer: str | None = None
    reviewed_on: date | None = None
    next_review: date | None = None
    overdue: bool = False
    changed_since_approval: bool = False
    reading_formula: str | None = None
    reading_score: float | None = None
    pages: int | None = None  # from the build manifest when the PDF is current, else None
    problem: str | None = None


def review_report(project: Project, out_dir: Path, today: date) -> list[ReviewRow]:
    """Every handout in every language it exists in: review status, dates, reading level, and
    pages from `out_dir`'s build manifest where that PDF is current (nothing is laid out)."""
    from handouts.check import pages_built
    from handouts.manifest import Fingerprints, Manifest
    from handouts.readability import measure, patient_text
    from handouts.render import Renderer
    from handouts.targets import RenderRequest

    renderer = Renderer(project)
    manifest, fingerprints = Manifest(out_dir), Fingerprints(project)
    rows = []
    for slug, languages in project.catalog().items():
        for language in languages:
            request = RenderRequest(slug, language, project.page_size())
            try:
                page = renderer.page(request)
            except HandoutsError as error:
                rows.append(ReviewRow(slug, language, "", "broken", problem=str(error).splitlines()[0]))
                continue
            review, approval = page.handout.review, page.approval
            record = approval.record
            reviewer: str | None
            reviewed_on: date | None
            next_review: date | None
            if record is not None:
                status = "approved" if approval.current else "changed"
                reviewer, reviewed_on, next_review = record.approved_by, record.approved_on, record.next_review
            else:
                status = review.status
                reviewer, reviewed_on, next_review = review.reviewed_by, review.reviewed_on, review.next_review
            reading = measure(patient_text(page.html), language)
            rows.append(
                ReviewRow(
                    slug,
                    language,
                    page.handout.title,
                    status,
                    review.version,
                    reviewer,
                    reviewed_on,
                    next_review,
                    next_review is not None and next_review < today,
                    approval.changed,
                    reading.formula.name,
                    round(reading.score, 1),
                    pages_built(manifest, fingerprints, request),
                )
            )
    return rows


@dataclass(frozen=True)
class DayPlan:
    """One day of a schedule: its packets in order of time, nothing rendered yet."""

    day: date
    packets: list["Packet"]


def changed_packet(project: Project, packet: "Packet", slugs: list[str], language: str) -> "Packet":
    """One packet of a planned day with the handouts and language the desk picked (`slugs` in the order
    picked); its appointment, plan and place in the day stay. An unknown handout or language is an error."""
    from handouts.day import DeskChoice, Planner

    return Planner(project, None).changed(packet, DeskChoice(slugs, language))


def plan_visits(
    project: Project,
    schedule: bytes,
    name: str,
    wanted: date | None = None,
    fallback: str | None = None,
    *,
    whole_day: bool = False,
) -> DayPlan:
    """The packets of one day (`wanted`, else the first) of a schedule exported as a FHIR R4 Bundle
    or CSV (`name` is how messages call it): each appointment's handouts, from its procedure codes
    and names, and its language, every detail checked before anything is rendered. With `whole_day`,
    a day of more appointments than one PDF holds (`day.MAX_DAY_PACKETS`) is an error now, not when
    the day is printed. Patient details stay in the returned data only."""
    from handouts.day import MAX_DAY_PACKETS, choose_day, plan_day
    from handouts.schedule import ScheduleError, parse_schedule

    clinic = project.clinic
    appointments = parse_schedule(schedule, name, clinic.schedule.columns, clinic.policies.time_zone)
    day = choose_day(appointments, wanted, name)
    packets = plan_day(project, appointments, day, fallback)
    if whole_day and len(packets) > MAX_DAY_PACKETS:
        raise ScheduleError(
            f"{name}: {len(packets)} appointments on {day.isoformat()}, more than the {MAX_DAY_PACKETS} that"
            " Print all makes into one PDF: upload the day in parts, or print it with `handouts visits --split DIR`"
        )
    return DayPlan(day, packets)
