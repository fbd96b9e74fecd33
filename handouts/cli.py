"""The `handouts` command line: parses arguments and turns library errors into `Error: ...`."""

import json
import logging
import math
import os
import sys
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TypeVar

import click

from handouts import DEFAULT_OUTPUT_FOLDER, LANGUAGE_HELP, __version__
from handouts.errors import HandoutsError

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar

    from handouts.project import Project
    from handouts.targets import Outcome
    from handouts.usecases import CheckResults

F = TypeVar("F", bound=Callable[..., Any])

CONTEXT = {"help_option_names": ["-h", "--help"]}
PRIVATE_FILE_MODE = 0o600  # a packet with visit details: for its owner's eyes only


class UserError(click.ClickException):
    """A library error shown as one `Error:` line per problem, exit code 1."""

    def show(self, file: IO[Any] | None = None) -> None:
        for line in self.format_message().splitlines():
            click.echo(f"Error: {line}", err=True)


class WarningLines(logging.Handler):
    """Prints the package's warnings (its own and those of WeasyPrint) as `Warning:` lines, and
    counts them for `--strict`."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1
        click.echo(f"Warning: {record.getMessage()}", err=True)


class HandoutsGroup(click.Group):
    """The one place where library errors become `Error:` lines and warnings `Warning:` lines."""

    def invoke(self, ctx: click.Context) -> Any:
        from handouts.logs import LOG

        warnings = ctx.meta["warnings"] = WarningLines()
        LOG.addHandler(warnings)
        try:
            return super().invoke(ctx)
        except HandoutsError as error:
            raise UserError(str(error)) from None
        finally:
            LOG.removeHandler(warnings)


def fail_on_warnings(strict: bool) -> None:
    """With --strict, a warning printed while the command ran makes it fail."""
    count = click.get_current_context().meta["warnings"].count
    if strict and count:
        raise UserError(f"{count} warning(s), and --strict was given")


def project_option(command: F) -> F:
    return click.option(
        "--project",
        "project_dir",
        type=click.Path(file_okay=False, path_type=Path),
        help="Clinic project folder (holds clinic.yaml). Default: this folder if it has "
        "clinic.yaml, else the built-in example clinic.",
    )(command)


class OutputFile(click.Path):
    """What `-o` takes: a file, or `-` for standard output. A name ending in `/` is a folder, refused
    here: a Path would drop the slash and the file would be written under the folder's name."""

    def __init__(self) -> None:
        super().__init__(dir_okay=False, allow_dash=True, path_type=Path)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and value.endswith(os.sep):
            self.fail(f"{value!r} names a folder; -o names a file", param, ctx)
        return super().convert(value, param, ctx)


class Seconds(click.FloatRange):
    """A number of seconds from `low` to `high`; nan, which every comparison lets through, is refused."""

    name = "seconds"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        seconds = super().convert(value, param, ctx)
        if math.isnan(seconds):
            self.fail(f"not a number of seconds from {self.min:g} to {self.max:g}", param, ctx)
        return seconds


def checked_output_file(project: "Project", output_file: Path, out_dir: Path, start: bytes) -> list[Path]:
    """`-o FILE`, checked before any work; returns what it must stay out of, for the check again at writing."""
    from handouts.files import refuse_to_replace

    kept = [*project.own_files, out_dir]
    refuse_to_replace(output_file, start, kept)
    return kept


def out_option(help_text: str) -> Callable[[F], F]:
    """--out: the output folder, for commands that write or read one (`output_folder` gives the default)."""
    return click.option(
        "--out",
        "out_dir",
        type=click.Path(file_okay=False, path_type=Path),
        help=f"{help_text} Default: the project's own {DEFAULT_OUTPUT_FOLDER}/ folder, wherever you run the command.",
    )


def output_folder(project: "Project", out_dir: Path | None) -> Path:
    """The folder --out names, else the project's own output folder."""
    return project.output_folder if out_dir is None else out_dir


def languages_option(help_text: str) -> Callable[[F], F]:
    """--lang, repeatable: the languages a command works on."""
    return click.option("--lang", "languages", multiple=True, metavar="LANG", help=help_text)


def jobs_option(command: F) -> F:
    return click.option(
        "--jobs",
        "-j",
        type=click.IntRange(min=1),
        default=os.cpu_count() or 1,
        show_default="CPU count",
        help="Render on this many processes.",
    )(command)


def visit_variable(option: str) -> str:
    """The environment variable that gives a visit option: --patient -> HANDOUTS_PATIENT."""
    return "HANDOUTS_" + option.removeprefix("--").upper()


def visit_options(command: F) -> F:
    """--patient, --date, --time, --arrive, --sedation, --physician, --location, --note: the "Your
    appointment" box and, with --date and --time, "Your plan"."""
    options = [
        ("--patient", "NAME", "Patient's name."),
        ("--date", "YYYY-MM-DD", "Procedure date, printed in the handout's language."),
        ("--time", "HH:MM", "Procedure time (24-hour clock). With --date: 'Your plan' with the patient's clock times."),
        ("--arrive", "HH:MM", "Arrival time, in place of the one worked out from --time and the clinic's policy."),
        ("--physician", "NAME", "Physician doing the procedure."),
        ("--location", "TEXT", "Where to go."),
        ("--note", "TEXT", "Special instructions."),
    ]
    # Each also reads HANDOUTS_<NAME> (HANDOUTS_PATIENT ...): a command line is public to every user of
    # the computer (`ps`), a process's environment is not.
    for name, metavar, text in reversed(options):
        command = click.option(
            name, metavar=metavar, envvar=visit_variable(name), show_envvar=True, help=f"{text} Needs -o; never stored."
        )(command)
        if name == "--arrive":
            command = click.option(
                "--sedation/--no-sedation",
                default=None,
                envvar=visit_variable("--sedation"),
                show_envvar=True,
                callback=lambda ctx, param, value: None if value is None else ("yes" if value else "no"),
                help="Whether sedation is planned, for a handout that allows both (default: not known). "
                "Needs -o; never stored.",
            )(command)
    return command


def open_from(project_dir: Path | None) -> "Project":
    from handouts.project import open_project

    return open_project(project_dir)


@click.group(cls=HandoutsGroup, context_settings=CONTEXT)
@click.version_option(__version__, "--version", prog_name="handouts")
def cli() -> None:
    """Printable patient handouts for interventional pain medicine.

    Content is YAML, layout is Jinja HTML, output is branded PDF.
    """


@cli.command("list")
@project_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def list_command(project_dir: Path | None, as_json: bool) -> None:
    """List the handouts: slug, title, languages and review status."""
    from handouts.usecases import list_handouts

    rows = list_handouts(open_from(project_dir)).rows
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "slug": row.slug,
                        "title": row.title,
                        "languages": row.languages,
                        "status": row.status,
                        "version": row.version,
                    }
                    for row in rows
                ],
                indent=2,
            )
        )
        return
    width = max((len(row.slug) for row in rows), default=4)
    for row in rows:
        click.echo(f"{row.slug:<{width}}  {','.join(row.languages):<6}  {row.status:<8}  {row.title}")


@cli.command()
@click.argument("slugs", nargs=-1)
@click.option("--all", "build_all", is_flag=True, help="Build every handout.")
@languages_option("Language code, e.g. en. Repeat for several. Default: the clinic's languages.")
@click.option(
    "--page-size",
    type=click.Choice(["letter", "a4"], case_sensitive=False),
    help="Paper size. Default: the clinic's page size (letter unless clinic.yaml says a4).",
)
@out_option("Folder for the PDFs, laid out as <lang>/<slug>.pdf.")
@click.option(
    "--large-print",
    is_flag=True,
    help="Large print only (18 pt). Default: the clinic's print_sizes, or standard print with -o.",
)
@click.option(
    "--fallback",
    metavar="LANG",
    help="Print a handout in this language when it lacks the one asked for (else that is an error).",
)
@click.option(
    "-o",
    "output_file",
    type=OutputFile(),
    help="Write to this file instead ('-' for standard output); several handouts make one packet, each on a new sheet.",
)
@visit_options
@jobs_option
@click.option("--force", is_flag=True, help="Render everything, even what has not changed since the last build.")
@click.option("--fail-fast", is_flag=True, help="Stop at the first handout that fails.")
@click.option(
    "--booklet", is_flag=True, help="Also make <lang>/booklet.pdf: a cover, contents and every standard-print handout."
)
@click.option("--strict", is_flag=True, help="Fail when WeasyPrint or the package warns (e.g. a broken logo).")
@click.option(
    "-v", "--verbose", is_flag=True, help="Say why each PDF was made or skipped: which of its inputs changed."
)
@project_option
def build(
    slugs: tuple[str, ...],
    build_all: bool,
    languages: tuple[str, ...],
    page_size: str | None,
    out_dir: Path | None,
    large_print: bool,
    fallback: str | None,
    output_file: Path | None,
    jobs: int,
    force: bool,
    fail_fast: bool,
    booklet: bool,
    strict: bool,
    verbose: bool,
    project_dir: Path | None,
    **visit_fields: str | None,
) -> None:
    """Build PDFs of the given handouts (by slug), or of every handout with --all."""
    if bool(slugs) == build_all:
        raise click.UsageError("name one or more handouts, or use --all")
    if output_file is not None and (build_all or len(languages) > 1):
        raise click.UsageError("-o takes named handouts in one language")
    if any(visit_fields.values()) and output_file is None:
        raise click.UsageError("visit details need -o FILE: a personalised handout never goes into the output folder")
    if booklet and (output_file is not None or large_print):
        raise click.UsageError("--booklet collects standard-print handouts into the output folder")
    project = open_from(project_dir)
    if list(slugs) == [LANGUAGE_HELP] and output_file is None:
        write_language_help(project, output_folder(project, out_dir), page_size, large_print)
        return
    if output_file is not None:
        from handouts.files import PDF_START

        kept = checked_output_file(project, output_file, output_folder(project, out_dir), PDF_START)
        write_packet(
            project,
            list(slugs),
            output_file,
            kept,
            languages[0] if languages else project.clinic.languages[0],
            page_size,
            large_print,
            fallback,
            visit_fields,
        )
    else:
        build_into_folder(
            project,
            None if build_all else list(slugs),
            output_folder(project, out_dir),
            list(languages),
            page_size,
            large_print,
            fallback,
            {"jobs": jobs, "force": force, "fail_fast": fail_fast, "booklet": booklet},
            verbose,
        )
    fail_on_warnings(strict)


def write_language_help(project: "Project", out_dir: Path, page_size: str | None, large_print: bool) -> None:
    """`build language-help`: the free language help notice, into the output folder."""
    from handouts.files import write_atomically
    from handouts.maker import Maker
    from handouts.targets import output_name
    from handouts.usecases import make_packet

    language = project.clinic.languages[0]
    pdf = make_packet(Maker(project), [LANGUAGE_HELP], language, page_size=page_size, large_print=large_print)
    path = out_dir / output_name(language, LANGUAGE_HELP, large_print)
    write_atomically(path, pdf)
    click.echo(f"Made {path}", err=True)


def write_packet(
    project: "Project",
    slugs: list[str],
    output_file: Path,
    kept: list[Path],
    language: str,
    page_size: str | None,
    large_print: bool,
    fallback: str | None,
    visit_fields: dict[str, str | None],
) -> None:
    """`build -o FILE`: one PDF of the named handouts, for one visit when visit details are given."""
    from handouts.files import write_output
    from handouts.maker import Maker
    from handouts.usecases import make_packet

    personal = any(visit_fields.values())
    pdf = make_packet(
        Maker(project),
        slugs,
        language,
        page_size=page_size,
        large_print=large_print,
        fallback=fallback,
        visit_fields=visit_fields if personal else None,
    )
    write_output(output_file, pdf, kept, PRIVATE_FILE_MODE if personal else None)


def build_into_folder(
    project: "Project",
    slugs: list[str] | None,
    out_dir: Path,
    languages: list[str],
    page_size: str | None,
    large_print: bool,
    fallback: str | None,
    settings: dict[str, Any],
    verbose: bool = False,
) -> None:
    """`build SLUG... | --all`: bring the output folder up to date and say what was done (with
    `verbose`, why each PDF was made or skipped). `settings` holds the --jobs, --force, --fail-fast
    and --booklet choices."""
    from handouts.batch import Update
    from handouts.usecases import build_folder

    progress = Progress("Building handouts")
    try:
        summary = build_folder(
            project,
            slugs,
            out_dir,
            languages=languages,
            page_size=page_size,
            large_print=large_print,
            fallback=fallback,
            how=Update(**settings, on_start=progress.start, on_done=progress.done),
        )
    except KeyboardInterrupt:
        progress.close()
        click.echo(
            f"Interrupted after {progress.count} PDFs; every file written is whole. "
            "Run the same command again to finish.",
            err=True,
        )
        raise click.exceptions.Exit(130) from None
    finally:
        progress.close()
    if verbose:
        for label, reason in summary.why.items():
            click.echo(f"{label}: {'skipped (up to date)' if reason is None else f'made ({reason})'}", err=True)
    for path in summary.booklets:
        click.echo(f"Made {path}", err=True)
    failures = summary.failures
    if summary.planned > 1 or not failures:
        removed = f" (removed {len(summary.removed)} whose content is gone)" if summary.removed else ""
        if summary.planned == summary.up_to_date:
            click.echo(f"All {summary.planned} PDFs in {out_dir}/ are up to date.{removed}", err=True)
            return
        up_to_date = f" ({summary.up_to_date} up to date)" if summary.up_to_date else ""
        click.echo(
            f"Built {summary.written} of {summary.planned - summary.up_to_date} PDFs in {out_dir}/"
            f"{up_to_date}{removed}",
            err=True,
        )
    if failures:
        raise UserError("\n".join(failures))


class Progress:
    """A progress bar on a terminal (done/total and failures); silent in scripts and pipes."""

    def __init__(self, label: str):
        self.label = label
        self.bar: Any = None
        self.count = 0
        self.failed = 0

    def start(self, total: int) -> None:
        if not total:  # nothing to make: no empty bar, and click's terminal code stays unloaded
            return
        self.bar = click.progressbar(
            length=total,
            label=self.label,
            file=sys.stderr,
            hidden=not sys.stderr.isatty(),
            show_pos=True,
            item_show_func=lambda _: f"{self.failed} failed" if self.failed else None,
        )
        self.bar.__enter__()

    def done(self, outcome: "Outcome") -> None:
        self.count += 1
        self.failed += outcome.problem is not None
        self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@cli.command()
@click.argument("slugs", nargs=-1)
@languages_option("Only this language. Repeat for several. Default: every language each handout exists in.")
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@click.option("--require-approved", is_flag=True, help="A handout still in draft is an error.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option("--quiet", "-q", is_flag=True, help="Leave out the notes (errors, warnings and the counts stay).")
@out_option("A built output folder: page counts of unchanged PDFs come from it.")
@jobs_option
@project_option
def check(
    slugs: tuple[str, ...],
    languages: tuple[str, ...],
    strict: bool,
    require_approved: bool,
    as_json: bool,
    quiet: bool,
    out_dir: Path | None,
    jobs: int,
    project_dir: Path | None,
) -> None:
    """Check reading level, plain words, structure, review status and print fit."""
    from handouts.usecases import check_handouts

    def track(pairs: list[tuple[str, str]]) -> "ProgressBar[tuple[str, str]]":
        return click.progressbar(
            pairs, label="Checking handouts", file=sys.stderr, hidden=as_json or not sys.stderr.isatty()
        )

    project = open_from(project_dir)
    results = check_handouts(
        project,
        list(slugs),
        list(languages),
        require_approved=require_approved,
        out_dir=output_folder(project, out_dir),
        jobs=jobs,
        track=track,
    )
    if as_json:
        click.echo(
            json.dumps(
                {
                    "clinic": [vars(finding) for finding in results.clinic],
                    "handouts": [report.as_dict() for report in results.reports],
                },
                indent=2,
                default=str,
            )
        )
    else:
        print_check_table(results, quiet)
    failing = {"error", "warning"} if strict else {"error"}
    if any(finding.severity in failing for finding in results.findings):
        raise click.exceptions.Exit(1)


def print_check_table(results: "CheckResults", quiet: bool) -> None:
    """A line per handout (reading level, pages), then the findings: errors first, then warnings,
    then notes (not with `quiet`), and last the counts of each."""
    from handouts.check import SEVERITIES

    for report in results.reports:
        score = "no reading score" if report.score is None else f"{report.formula} {report.score:.1f}"
        pages = "-" if report.pages is None else report.pages
        click.echo(
            f"{report.language}/{report.slug}: {score}, {pages} pages, "
            f"{counted(report.count('error'), 'error')}, {counted(report.count('warning'), 'warning')}"
        )
    findings = results.findings
    for severity in SEVERITIES:
        if quiet and severity == "note":
            continue
        for finding in findings:
            if finding.severity == severity:
                click.echo(f"{severity:<8}{finding.where}: {finding.message}")
    click.echo(
        ", ".join(
            counted(sum(finding.severity == severity for finding in findings), severity) for severity in SEVERITIES
        )
    )


def counted(count: int, thing: str) -> str:
    """`1 error`, `2 errors`."""
    return f"{count} {thing}{'' if count == 1 else 's'}"


@cli.command()
@click.argument("slugs", nargs=-1)
@click.option(
    "--all", "approve_all", is_flag=True, help="Approve every handout (with --lang: every one in that language)."
)
@click.option("--by", "approved_by", required=True, metavar="NAME", help='Who approves, e.g. "A. Lee, MD".')
@languages_option("Only this language. Repeat for several. Default: every language the handout exists in.")
@click.option(
    "--date",
    "approved_on",
    type=click.DateTime(["%Y-%m-%d"]),
    metavar="YYYY-MM-DD",
    help="Date of the approval. Default: today.",
)
@project_option
def approve(
    slugs: tuple[str, ...],
    approve_all: bool,
    approved_by: str,
    languages: tuple[str, ...],
    approved_on: datetime | None,
    project_dir: Path | None,
) -> None:
    """Record a clinician's sign-off of handouts as they print now.

    The record goes into the project's approvals.yaml, with a fingerprint of the printed text."""
    from handouts.usecases import approve_handouts

    if bool(slugs) == approve_all:
        raise click.UsageError("name one or more handouts, or use --all")
    day = approved_on.date() if approved_on else date.today()
    chosen = None if approve_all else list(slugs)
    for approved in approve_handouts(open_from(project_dir), chosen, approved_by, list(languages), day):
        click.echo(
            f"approved {approved.language}/{approved.slug} version {approved.version} ({approved.fingerprint[:19]})"
        )


@cli.command("review-report")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option(
    "-o",
    "output_file",
    type=OutputFile(),
    help="Write a printable HTML page to this file (- for standard output).",
)
@out_option("A built output folder: page counts of unchanged PDFs come from it.")
@project_option
def review_report(as_json: bool, output_file: Path | None, out_dir: Path | None, project_dir: Path | None) -> None:
    """Review status, dates, reading level and pages of every handout.

    A text table, JSON with --json, or a printable HTML page with -o FILE."""
    from handouts.review_report import as_html, as_json_text, as_table
    from handouts.usecases import review_report as report_rows

    project = open_from(project_dir)
    out_dir = output_folder(project, out_dir)
    if output_file is not None:
        from handouts.files import HTML_START

        kept = checked_output_file(project, output_file, out_dir, HTML_START)
    rows = report_rows(project, out_dir, date.today())
    if output_file is not None:
        from handouts.files import write_output

        write_output(output_file, as_html(rows, project, date.today()).encode("utf-8"), kept)
        if str(output_file) != "-":
            click.echo(f"Wrote {output_file}", err=True)
    elif as_json:
        click.echo(as_json_text(rows))
    else:
        click.echo(as_table(rows))


@cli.command()
@click.argument("schedule_file", metavar="FILE", type=click.Path(dir_okay=False, allow_dash=False, path_type=Path))
@click.option(
    "-o", "output_file", type=OutputFile(), help="Write the day's PDF to this file ('-' for standard output)."
)
@click.option(
    "--split",
    "split_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Instead of -o: one PDF per packet in this folder (2026-12-08-0830-1.pdf ...), and "
    "2026-12-08-desk-list.pdf. Refused while the folder holds another day's packets.",
)
@click.option("--date", "day_text", metavar="YYYY-MM-DD", help="The day to print. Default: the first day in FILE.")
@click.option(
    "--fallback",
    metavar="LANG",
    help="Language of a packet whose patient's language the library lacks. Default: the clinic's first language.",
)
@out_option("The folder of built handouts, which -o and --split never write into.")
@project_option
def visits(
    schedule_file: Path,
    output_file: Path | None,
    split_dir: Path | None,
    day_text: str | None,
    fallback: str | None,
    out_dir: Path | None,
    project_dir: Path | None,
) -> None:
    """Print one day's packets from a schedule (FHIR R4 Bundle or CSV).

    FILE is the EHR's export. One PDF: the desk's list, then each appointment's packet ("Your plan" from its own time, then its
    handouts) on a new sheet, in the patient's language. The files are for their owner only (0600)."""
    from handouts.day import day_pdf, packet_pdfs, split_names
    from handouts.files import PDF_START, refuse_to_replace, shown, write_atomically, write_output
    from handouts.maker import Maker
    from handouts.schedule import read_bounded
    from handouts.usecases import plan_visits

    if (output_file is None) == (split_dir is None):
        raise click.UsageError("give -o DAY.pdf or --split DIR")
    wanted = None if day_text is None else day_option(day_text)
    project = open_from(project_dir)
    out_dir = output_folder(project, out_dir)
    kept = [*project.own_files, out_dir]
    if output_file is not None:
        refuse_to_replace(output_file, PDF_START, kept)
    plan = plan_visits(project, read_bounded(schedule_file), shown(schedule_file), wanted, fallback)
    maker = Maker(project)
    if output_file is not None:
        write_output(output_file, day_pdf(maker, plan.day, plan.packets), kept, PRIVATE_FILE_MODE)
        written = str(output_file)
    else:
        assert split_dir is not None
        names = split_names(plan.day, plan.packets)
        for name in names:
            split_file_check(split_dir / name, kept)
        refuse_old_packets(split_dir, names)
        pdfs = packet_pdfs(maker, plan.day, plan.packets)
        for name, pdf in pdfs.items():
            split_file_check(split_dir / name, kept)
            write_atomically(split_dir / name, pdf, PRIVATE_FILE_MODE)  # renamed over the name: never through a link
        written = f"{len(pdfs)} files in {split_dir}"
    skipped = [f"{packet.skipped}: not printed (the desk list says so)" for packet in plan.packets if packet.skipped]
    if str(output_file) != "-":
        printed = f"{len(plan.packets) - len(skipped)} of {len(plan.packets)}" if skipped else len(plan.packets)
        click.echo(f"Wrote {written}: {printed} appointment(s) on {plan.day.isoformat()}", err=True)
    if skipped:  # the others are printed; the exit code says that not all were
        raise UserError("\n".join(skipped))


def split_file_check(path: Path, kept: list[Path]) -> None:
    """A packet's file in the --split folder: as `-o` checks its file, and never a link, which would
    send a patient's packet to wherever it points."""
    from handouts.errors import OutputError
    from handouts.files import PDF_START, refuse_to_replace, shown

    if path.is_symlink():
        raise OutputError(
            f"{shown(path)}: a link; --split never writes through one (remove it or choose another folder)"
        )
    refuse_to_replace(path, PDF_START, kept)


def refuse_old_packets(folder: Path, names: list[str]) -> None:
    """A file in the --split folder named as --split names its files (with a day, or without one as
    earlier versions wrote them) that this run does not replace is another day's or an earlier run's:
    refused, never removed, so that no one prints an old packet by mistake with the new ones."""
    from handouts.day import SPLIT_NAME
    from handouts.errors import OutputError
    from handouts.files import shown

    try:
        found = list(folder.iterdir()) if folder.is_dir() else []
    except OSError as error:
        raise OutputError(f"{shown(folder)}: cannot read the folder ({error.strerror or error})") from None
    old = sorted(path for path in found if SPLIT_NAME.fullmatch(path.name) and path.name not in names)
    if old:
        raise OutputError(
            f"{shown(old[0])}: a packet of another day or an earlier run ({len(old)} such file(s) in "
            f"{shown(folder)}); remove them or choose another folder, so no one prints an old packet by mistake"
        )


def day_option(text: str) -> date:
    """--date as the visit's date field takes it."""
    from handouts.errors import UnknownHandoutError
    from handouts.visit import DATE_TEXT, NOT_A_DATE

    try:
        if not DATE_TEXT.fullmatch(text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise UnknownHandoutError(f"--date: {NOT_A_DATE}") from None


@cli.command()
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on. Anything but this computer needs a passcode.",
)
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option(
    "--passcode-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File whose first line is the passcode (at least 8 characters), asked once per "
    "browser session. Or set HANDOUTS_PASSCODE.",
)
@click.option(
    "--passcode",
    "passcode_argument",
    hidden=True,
    help="Refused: a command line can be read by every user of the computer.",
)
@click.option(
    "--workers", type=click.IntRange(1, 64), default=None, help="Processes making PDFs. Default: one per core."
)
@click.option(
    "--behind-proxy",
    "proxy",
    metavar="ADDRESS",
    callback=lambda ctx, param, value: ip_address_option(value),
    help="IP address of a TLS-terminating proxy (Caddy, nginx) in front of the page: its "
    "X-Forwarded-Proto/Host/For headers are believed, from that address only. Needs a passcode.",
)
@click.option(
    "--queue-seconds",
    type=Seconds(1, 300),
    default=15,
    show_default=True,
    help="A PDF is queued while it can start within this many seconds; past that the page says "
    "busy and tries again by itself.",
)
@project_option
def serve(
    host: str,
    port: int,
    passcode_file: Path | None,
    passcode_argument: str | None,
    workers: int | None,
    proxy: str | None,
    queue_seconds: float,
    project_dir: Path | None,
) -> None:
    """Start the front-desk web page: find a handout, fill in the visit, print."""
    from handouts.server import default_workers
    from handouts.server import serve as run_server
    from handouts.web.security import PASSCODE_ENVIRONMENT, is_loopback, read_passcode

    if passcode_argument is not None:  # `ps` and /proc show every process's arguments to every user
        raise UserError(
            "--passcode on the command line can be read by every user of this computer (ps): "
            f"use {PASSCODE_ENVIRONMENT} or --passcode-file FILE"
        )
    passcode = read_passcode(os.environ.get(PASSCODE_ENVIRONMENT), passcode_file)
    if not is_loopback(host) and not passcode:
        raise UserError(
            f"--host {host} can be reached from other computers: "
            f"set a passcode with {PASSCODE_ENVIRONMENT} or --passcode-file"
        )
    if proxy is not None and not passcode:
        raise UserError(
            f"--behind-proxy: the proxy lets other computers reach the page: "
            f"set a passcode with {PASSCODE_ENVIRONMENT} or --passcode-file"
        )
    project = open_from(project_dir)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("handouts").propagate = False  # warnings print once, as `Warning:` lines
    access = logging.getLogger("handouts.serve")
    access.addHandler(logging.getLogger().handlers[0])
    click.echo(f"Front desk page: http://{host}:{port}/  (Ctrl-C to stop)", err=True)
    run_server(project, host, port, passcode, workers or default_workers(), proxy, queue_seconds)


def ip_address_option(value: str | None) -> str | None:
    """`--behind-proxy`: one IP address (waitress believes forwarded headers from it alone)."""
    import ipaddress

    if value is None:
        return None
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an IP address like 127.0.0.1") from None


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def init(directory: Path) -> None:
    """Create a clinic project in DIRECTORY (never overwrites a file)."""
    from handouts.scaffold import create_project

    for created in create_project(directory):
        click.echo(f"created {created}")
    click.echo(f"Next: edit {directory / 'clinic.yaml'}, then run `handouts build --all --project {directory}`.")


@cli.command()
@click.argument("kind", type=click.Choice(["handout", "clinic", "labels", "blocks"]), default="handout")
def schema(kind: str) -> None:
    """Print the JSON Schema of a content file, for editor autocompletion."""
    from handouts.schemas import json_schema

    click.echo(json.dumps(json_schema(kind), indent=2))
