"""The `handouts` command line: parses arguments and turns library errors into `Error: ...`."""

import json
import logging
import os
import sys
from pathlib import Path

import click

from handouts import __version__
from handouts.errors import HandoutsError

CONTEXT = {"help_option_names": ["-h", "--help"]}


class UserError(click.ClickException):
    """A library error shown as one `Error:` line per problem, exit code 1."""

    def show(self, file=None) -> None:
        for line in self.format_message().splitlines():
            click.echo(f"Error: {line}", err=True)


class HandoutsGroup(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except HandoutsError as error:
            raise UserError(str(error)) from None


def project_option(command):
    return click.option(
        "--project", "project_dir", type=click.Path(file_okay=False, path_type=Path),
        help="Clinic project folder (holds clinic.yaml). Default: this folder if it has "
             "clinic.yaml, else the built-in example clinic.",
    )(command)


def visit_options(command):
    """--patient, --date, --arrive, --physician, --location, --note: the "Your appointment" box."""
    options = [
        ("--patient", "NAME", "Patient's name."),
        ("--date", "YYYY-MM-DD", "Procedure date, printed in the handout's language."),
        ("--arrive", "HH:MM", "Arrival time."),
        ("--physician", "NAME", "Physician doing the procedure."),
        ("--location", "TEXT", "Where to go."),
        ("--note", "TEXT", "Special instructions."),
    ]
    for name, metavar, text in reversed(options):
        command = click.option(name, metavar=metavar, help=f"{text} Needs -o; never stored.")(command)
    return command


def open_from(project_dir: Path | None):
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
    project = open_from(project_dir)
    rows = []
    for slug, languages in project.catalog().items():
        first = "en" if "en" in languages else languages[0]
        handout = project.handout(first, slug)
        rows.append({"slug": slug, "title": handout.title, "languages": languages,
                     "status": handout.review.status, "version": handout.review.version})
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    width = max((len(row["slug"]) for row in rows), default=4)
    for row in rows:
        click.echo(f"{row['slug']:<{width}}  {','.join(row['languages']):<6}  "
                   f"{row['status']:<8}  {row['title']}")


@cli.command()
@click.argument("slugs", nargs=-1)
@click.option("--all", "build_all", is_flag=True, help="Build every handout.")
@click.option("--lang", "languages", multiple=True, metavar="LANG",
              help="Language code, e.g. en. Repeat for several. Default: the clinic's languages.")
@click.option("--page-size", type=click.Choice(["letter", "a4"], case_sensitive=False),
              help="Paper size. Default: the clinic's page size (letter unless clinic.yaml says a4).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("output"), show_default=True,
              help="Folder for the PDFs, laid out as <lang>/<slug>.pdf.")
@click.option("--large-print", is_flag=True,
              help="Large print only (18 pt). Default: the clinic's print_sizes, or standard print with -o.")
@click.option("--fallback", metavar="LANG",
              help="Print a handout in this language when it lacks the one asked for (else that is an error).")
@click.option("-o", "output_file", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
              help="Write to this file instead ('-' for standard output); several handouts make one "
                   "packet, each on a new sheet.")
@visit_options
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=os.cpu_count() or 1, show_default="CPU count",
              help="Render on this many processes.")
@click.option("--force", is_flag=True, help="Render everything, even what has not changed since the last build.")
@click.option("--fail-fast", is_flag=True, help="Stop at the first handout that fails.")
@click.option("--booklet", is_flag=True,
              help="Also make <lang>/booklet.pdf: a cover, contents and every standard-print handout.")
@project_option
def build(slugs: tuple[str, ...], build_all: bool, languages: tuple[str, ...], page_size: str | None,
          out_dir: Path, large_print: bool, fallback: str | None, output_file: Path | None, jobs: int,
          force: bool, fail_fast: bool, booklet: bool, project_dir: Path | None, **visit_fields: str | None) -> None:
    """Build PDFs of the given handouts (by slug), or of every handout with --all."""
    if bool(slugs) == build_all:
        raise click.UsageError("name one or more handouts, or use --all")
    if output_file is not None and (build_all or len(languages) > 1):
        raise click.UsageError("-o takes named handouts in one language")
    if any(visit_fields.values()) and output_file is None:
        raise click.UsageError("visit details need -o FILE: a personalised handout never goes into the output folder")
    if booklet and (output_file is not None or large_print):
        raise click.UsageError("--booklet collects standard-print handouts into the output folder")

    from handouts.batch import build_set
    from handouts.build import Builder, plan, write_atomically
    from handouts.render import Request
    from handouts.visit import Visit

    project = open_from(project_dir)
    clinic = project.clinic
    size = (page_size or clinic.page_size).lower()
    chosen_languages = list(languages) or clinic.languages
    if output_file is not None:
        visit = Visit.from_fields(visit_fields) if any(visit_fields.values()) else None
        requests = [Request(slug, project.language_of(slug, chosen_languages[0], fallback), size, large_print, visit)
                    for slug in slugs]
        pdf = Builder(project).packet(requests)
        if str(output_file) == "-":
            with click.open_file("-", "wb") as stdout:
                stdout.write(pdf)
        else:
            write_atomically(output_file, pdf)
        return

    sizes = ["large"] if large_print else clinic.print_sizes
    targets = plan(project, None if build_all else list(slugs), chosen_languages, size, sizes, out_dir, fallback)
    if not build_all:
        for target in targets:  # fail before writing anything when a named handout is missing
            project.handout(target.request.language, target.request.slug)
    progress = Progress("Building handouts")
    try:
        summary = build_set(project, targets, out_dir, jobs=jobs, force=force, fail_fast=fail_fast,
                            booklet=booklet, on_start=progress.start, on_done=progress.done)
    except KeyboardInterrupt:
        progress.close()
        click.echo(f"Interrupted after {progress.count} PDFs; every file written is whole. "
                   "Run the same command again to finish.", err=True)
        raise click.exceptions.Exit(130) from None
    progress.close()
    for path in summary.booklets:
        click.echo(f"Made {path}", err=True)
    failures = summary.failures
    if len(targets) > 1 or not failures:
        removed = f" (removed {len(summary.removed)} whose content is gone)" if summary.removed else ""
        if summary.planned == summary.up_to_date:
            click.echo(f"All {summary.planned} PDFs in {out_dir}/ are up to date.{removed}", err=True)
            return
        up_to_date = f" ({summary.up_to_date} up to date)" if summary.up_to_date else ""
        click.echo(f"Built {summary.built} of {summary.planned - summary.up_to_date} PDFs in {out_dir}/"
                   f"{up_to_date}{removed}", err=True)
    if failures:
        raise UserError("\n".join(failures))


class Progress:
    """A progress bar on a terminal (done/total and failures); silent in scripts and pipes."""

    def __init__(self, label: str):
        self.label = label
        self.bar = None
        self.count = 0
        self.failed = 0

    def start(self, total: int) -> None:
        self.bar = click.progressbar(
            length=total, label=self.label, file=sys.stderr, hidden=not sys.stderr.isatty(), show_pos=True,
            item_show_func=lambda _: f"{self.failed} failed" if self.failed else None)
        self.bar.__enter__()

    def done(self, outcome) -> None:
        self.count += 1
        self.failed += outcome.problem is not None
        self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@cli.command()
@click.argument("slugs", nargs=-1)
@click.option("--lang", "languages", multiple=True, metavar="LANG",
              help="Only this language. Repeat for several. Default: every language found.")
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@click.option("--require-approved", is_flag=True, help="A handout still in draft is an error.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("output"),
              show_default=True, help="A built output folder: page counts of unchanged PDFs come from it.")
@project_option
def check(slugs: tuple[str, ...], languages: tuple[str, ...], strict: bool, require_approved: bool,
          as_json: bool, out_dir: Path, project_dir: Path | None) -> None:
    """Check reading level, plain words, structure, review status and print fit."""
    from handouts.build import Builder
    from handouts.check import Checker

    project = open_from(project_dir)
    catalog = project.catalog()
    chosen = list(slugs) or list(catalog)
    checker = Checker(Builder(project), require_approved=require_approved, built=out_dir)
    pairs = [(language, slug) for slug in chosen
             for language in (languages or catalog.get(slug) or project.clinic.languages)]
    clinic_findings = checker.clinic_findings()
    with click.progressbar(pairs, label="Checking handouts", file=sys.stderr,
                           hidden=as_json or not sys.stderr.isatty()) as bar:
        reports = [checker.check(language, slug) for language, slug in bar]

    findings = clinic_findings + [finding for report in reports for finding in report.findings]
    if as_json:
        click.echo(json.dumps({"clinic": [vars(finding) for finding in clinic_findings],
                               "handouts": [report.as_dict() for report in reports]}, indent=2, default=str))
    else:
        for finding in clinic_findings:
            click.echo(f"{finding.severity:<8}{finding.where}: {finding.message}")
        for report in reports:
            score = "no reading score" if report.score is None else f"{report.formula} {report.score:.1f}"
            click.echo(f"{report.language}/{report.slug}: {score}, "
                       f"{report.pages if report.pages is not None else '-'} pages, "
                       f"{report.count('error')} errors, {report.count('warning')} warnings")
            for finding in report.findings:
                click.echo(f"  {finding.severity:<8}{finding.where}: {finding.message}")
    failing = {"error", "warning"} if strict else {"error"}
    if any(finding.severity in failing for finding in findings):
        raise click.exceptions.Exit(1)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but this computer needs a passcode.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option("--passcode-file", type=click.Path(dir_okay=False, path_type=Path),
              help="File whose first line is the passcode (at least 8 characters), asked once per "
                   "browser session. Or set HANDOUTS_PASSCODE.")
@click.option("--passcode", "passcode_argument", hidden=True,
              help="Refused: a command line can be read by every user of the computer.")
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="Processes making PDFs. Default: one per core.")
@project_option
def serve(host: str, port: int, passcode_file: Path | None, passcode_argument: str | None, workers: int | None,
          project_dir: Path | None) -> None:
    """Start the front-desk web page: find a handout, fill in the visit, print."""
    from handouts.server import default_workers, serve as run_server
    from handouts.web.security import PASSCODE_ENVIRONMENT, is_loopback, read_passcode

    if passcode_argument is not None:  # `ps` and /proc show every process's arguments to every user
        raise UserError("--passcode on the command line can be read by every user of this computer (ps): "
                        f"use {PASSCODE_ENVIRONMENT} or --passcode-file FILE")
    passcode = read_passcode(os.environ.get(PASSCODE_ENVIRONMENT), passcode_file)
    if not is_loopback(host) and not passcode:
        raise UserError(f"--host {host} can be reached from other computers: "
                        f"set a passcode with {PASSCODE_ENVIRONMENT} or --passcode-file")
    project = open_from(project_dir)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
    click.echo(f"Front desk page: http://{host}:{port}/  (Ctrl-C to stop)", err=True)
    try:
        run_server(project, host, port, passcode, workers or default_workers())
    except OSError as error:
        raise UserError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None


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
