"""Updating an output folder: render only the handouts whose inputs changed, on every core, then
the booklets and the folder's index page."""

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from handouts.errors import OutputError
from handouts.files import shown, write_atomically
from handouts.index import write_index
from handouts.manifest import Entry, Fingerprints, Manifest, fingerprint_of
from handouts.project import CLINIC_FILE, Project
from handouts.targets import Outcome, Target

LOCK_FILE = ".handouts.lock"
LOCK_WAIT_SECONDS = 15 * 60  # longer than a full build of every handout on one core

if TYPE_CHECKING:  # the rendering code loads only when something is to be rendered
    from handouts.maker import Maker


@dataclass(frozen=True)
class Update:
    """How to bring a folder up to date: processes, what to re-render, when to stop, what to report."""

    jobs: int = 1
    force: bool = False  # render even what has not changed
    fail_fast: bool = False
    booklet: bool = False
    on_start: Callable[[int], None] = lambda total: None
    on_done: Callable[[Outcome], None] = lambda outcome: None
    on_wait: Callable[[Path], None] = lambda out_dir: print(
        f"waiting for another build of {shown(out_dir)} to finish", file=sys.stderr, flush=True
    )


@dataclass
class Summary:
    planned: int
    outcomes: list[Outcome] = field(default_factory=list)
    up_to_date: int = 0
    removed: list[Path] = field(default_factory=list)
    booklets: list[Path] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    why: dict[str, str | None] = field(default_factory=dict)  # label -> why it was made (None: up to date)

    @property
    def failures(self) -> list[str]:
        return [
            f"{outcome.target.label}: {outcome.problem}" for outcome in self.outcomes if outcome.problem
        ] + self.problems

    @property
    def written(self) -> int:
        return sum(outcome.problem is None for outcome in self.outcomes)


def update_folder(
    project: Project,
    targets: list[Target],
    out_dir: Path,
    how: Update = Update(),
) -> Summary:
    """Render the targets whose inputs changed since the last run (all with `how.force`), record
    each in the manifest as it lands, remove outputs whose content file is gone, then make the
    booklets (with `how.booklet`) and the index page. One build at a time updates a folder: another waits for it."""
    with folder_lock(out_dir, how.on_wait):
        return _update_folder(project, targets, out_dir, how)


@contextmanager
def folder_lock(out_dir: Path, on_wait: Callable[[Path], None]) -> Iterator[None]:
    """Holds the output folder's lock file: two builds would each save their own manifest, and the
    last one would mark the other's stale PDFs as up to date. Waits at most LOCK_WAIT_SECONDS."""
    from filelock import FileLock, Timeout

    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        lock = FileLock(out_dir / LOCK_FILE)
        try:
            lock.acquire(timeout=0)
        except Timeout:
            on_wait(out_dir)
            lock.acquire(timeout=LOCK_WAIT_SECONDS)
    except Timeout:
        raise OutputError(
            f"{shown(out_dir)}: another build of this folder is still running; try again when it has finished"
        ) from None
    except OSError as error:
        raise OutputError(f"{shown(out_dir)}: cannot lock this folder ({error.strerror or error})") from None
    try:
        yield
    finally:
        lock.release()


def _update_folder(project: Project, targets: list[Target], out_dir: Path, how: Update) -> Summary:
    manifest = Manifest(out_dir)
    fingerprints = Fingerprints(project)
    prints, unreadable = fingerprints.of_each(targets)
    inputs = {target: fingerprints.inputs(target) for target in prints}
    why = {target: "--force" if how.force else manifest.why_made(target.path, inputs[target]) for target in prints}
    todo = [target for target in prints if why[target] is not None]
    booklets = booklet_paths(targets, out_dir) if how.booklet else {}
    summary = Summary(
        len(targets),
        [Outcome(target, problem) for target, problem in unreadable.items()],
        up_to_date=len(prints) - len(todo),
        removed=manifest.remove_orphans([target.path for target in targets] + list(booklets.values())),
        why={target.label: reason for target, reason in why.items()},
    )

    def record(outcome: Outcome) -> None:
        target = outcome.target
        if outcome.problem is None:
            used = fingerprints.inputs(target, outcome.content_digest)  # of the bytes the render read
            manifest.record(
                target.path,
                Entry(
                    fingerprint_of(used),
                    str(fingerprints.source(target)),
                    outcome.title,
                    target.request.content_language,
                    target.request.large_print,
                    outcome.version,
                    outcome.pages,
                    used,
                ),
            )
        how.on_done(outcome)

    how.on_start(len(todo))

    @cache
    def maker() -> "Maker":
        """The one Maker of this update, made (and the rendering code loaded) when first needed."""
        from handouts.maker import Maker

        return Maker(project)

    if todo:
        summary.outcomes += maker().write_all(todo, record, jobs=how.jobs, fail_fast=how.fail_fast)
    for language, path in booklets.items():
        parts = [target for target in targets if not target.request.large_print and target.language == language]
        update_booklet(maker, manifest, fingerprints, summary, language, path, parts, how.force)
    write_index(out_dir, manifest, fingerprints.shared, lambda: maker().renderer)
    return summary


def booklet_paths(targets: list[Target], out_dir: Path) -> dict[str, Path]:
    """One booklet per language that has standard-print targets."""
    from handouts.booklet import BOOKLET_FILE

    languages = [target.language for target in targets if not target.request.large_print]
    return {language: out_dir / language / BOOKLET_FILE for language in dict.fromkeys(languages)}


def update_booklet(
    maker: Callable[[], "Maker"],
    manifest: Manifest,
    fingerprints: Fingerprints,
    summary: Summary,
    language: str,
    path: Path,
    targets: list[Target],
    force: bool,
) -> None:
    """Make the booklet again when any handout in it (or the brand) changed; never a partial one.
    `maker` gives the Maker, made only when the booklet is to be made again."""
    entries = [manifest.entries.get(target.name) for target in targets]
    if any(entry is None or not target.path.is_file() for entry, target in zip(entries, targets, strict=True)):
        summary.problems.append(f"{manifest.name(path)}: not made, because some handouts failed to build")
        return
    page_size = targets[0].request.page_size
    fingerprint = fingerprints.of_booklet(language, page_size, [entry.fingerprint for entry in entries if entry])
    if not force and manifest.is_current(path, fingerprint):
        return
    from handouts.booklet import make_booklet

    booklet_maker = maker()
    project = booklet_maker.project
    pdf, pages = make_booklet(booklet_maker, language, page_size, [target.request for target in targets])
    write_atomically(path, pdf)
    manifest.record(
        path,
        Entry(
            fingerprint,
            str(project.root / CLINIC_FILE),
            project.labels(language).booklet_title,
            language,
            False,
            None,
            pages,
        ),
    )
    summary.booklets.append(path)
