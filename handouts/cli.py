"""The `handouts` command line: parses arguments and turns library errors into `Error: ...`."""

import json
import logging
import os
import sys
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TypeVar

import click

from handouts import DEFAULT_OUTPUT_FOLDER, __version__
from handouts.errors import HandoutsError

if TYPE_CHECKING:
    from handouts.project import Project
    from handouts.targets import Outcome

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


def checked_output_file(project: "Project", output_file: Path, out_dir: Path, start: bytes) -> list[Path]:
    """`-o FILE`, checked before any work; returns what it must stay out of, for the check again at writing."""
    from handouts.files import refuse_to_replace

    kept = [*project.own_files, out_dir]
    refuse_to_replace(output_file, start, kept)
    return kept


def out_option(help_text: str) -> Callable[[F], F]:
    """--out: the output folder (default output/), for commands that write or read one."""
    return click.option(
        "--out",
        "out_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path(DEFAULT_OUTPUT_FOLDER),
        show_default=True,
        help=help_text,
    )


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
@click.option(
    "--lang",
    "languages",
    multiple=True,
    metavar="LANG",
    help="Language code, e.g. en. Repeat for several. Default: the clinic's languages.",
)
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
@project_option
def build(
    slugs: tuple[str, ...],
    build_all: bool,
    languages: tuple[str, ...],
    page_size: str | None,
    out_dir: Path,
    large_print: bool,
    fallback: str | None,
    output_file: Path | None,
    jobs: int,
    force: bool,
    fail_fast: bool,
    booklet: bool,
    strict: bool,
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
    if output_file is not None:
        from handouts.files import PDF_START

        kept = checked_output_file(project, output_file, out_dir, PDF_START)
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
            out_dir,
            list(languages),
            page_size,
            large_print,
            fallback,
            {"jobs": jobs, "force": force, "fail_fast": fail_fast, "booklet": booklet},
        )
    fail_on_warnings(strict)


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
) -> None:
    """`build SLUG... | --all`: bring the output folder up to date and say what was done.
    `settings` holds the --jobs, --force, --fail-fast and --booklet choices."""
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
@click.option(
    "--lang",
    "languages",
    multiple=True,
    metavar="LANG",
    help="Only this language. Repeat for several. Default: every language found.",
)
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@click.option("--require-approved", is_flag=True, help="A handout still in draft is an error.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@out_option("A built output folder: page counts of unchanged PDFs come from it.")
@jobs_option
@project_option
def check(
    slugs: tuple[str, ...],
    languages: tuple[str, ...],
    strict: bool,
    require_approved: bool,
    as_json: bool,
    out_dir: Path,
    jobs: int,
    project_dir: Path | None,
) -> None:
    """Check reading level, plain words, structure, review status and print fit."""
    from handouts.usecases import check_handouts

    def track(pairs: list[tuple[str, str]]) -> Iterator[tuple[str, str]]:
        with click.progressbar(
            pairs, label="Checking handouts", file=sys.stderr, hidden=as_json or not sys.stderr.isatty()
        ) as bar:
            yield from bar

    results = check_handouts(
        open_from(project_dir),
        list(slugs),
        list(languages),
        require_approved=require_approved,
        out_dir=out_dir,
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
        for finding in results.clinic:
            click.echo(f"{finding.severity:<8}{finding.where}: {finding.message}")
        for report in results.reports:
            score = "no reading score" if report.score is None else f"{report.formula} {report.score:.1f}"
            click.echo(
                f"{report.language}/{report.slug}: {score}, "
                f"{report.pages if report.pages is not None else '-'} pages, "
                f"{report.count('error')} errors, {report.count('warning')} warnings"
            )
            for finding in report.findings:
                click.echo(f"  {finding.severity:<8}{finding.where}: {finding.message}")
    failing = {"error", "warning"} if strict else {"error"}
    if any(finding.severity in failing for finding in results.findings):
        raise click.exceptions.Exit(1)


@cli.command()
@click.argument("slugs", nargs=-1, required=True)
@click.option("--by", "approved_by", required=True, metavar="NAME", help='Who approves, e.g. "A. Lee, MD".')
@click.option(
    "--lang",
    "languages",
    multiple=True,
    metavar="LANG",
    help="Only this language. Repeat for several. Default: every language the handout exists in.",
)
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
    approved_by: str,
    languages: tuple[str, ...],
    approved_on: datetime | None,
    project_dir: Path | None,
) -> None:
    """Record a clinician's sign-off of handouts as they print now.

    The record goes into the project's approvals.yaml, with a fingerprint of the printed text."""
    from handouts.usecases import approve_handouts

    day = approved_on.date() if approved_on else date.today()
    for approved in approve_handouts(open_from(project_dir), list(slugs), approved_by, list(languages), day):
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
def review_report(as_json: bool, output_file: Path | None, out_dir: Path, project_dir: Path | None) -> None:
    """Review status, dates, reading level and pages of every handout.

    A text table, JSON with --json, or a printable HTML page with -o FILE."""
    from handouts.review_report import as_html, as_json_text, as_table
    from handouts.usecases import review_report as report_rows

    project = open_from(project_dir)
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
    type=click.FloatRange(1, 300),
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
