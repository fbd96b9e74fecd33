"""Building a set of handouts into an output folder: only what changed, on every core,
then the folder's index page."""

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from handouts.build import Builder, Outcome, Target
from handouts.index import write_index
from handouts.manifest import Entry, Fingerprints, Manifest
from handouts.project import Project


@dataclass
class Summary:
    planned: int
    outcomes: list[Outcome] = field(default_factory=list)
    up_to_date: int = 0
    removed: list[Path] = field(default_factory=list)

    @property
    def failures(self) -> list[str]:
        return [outcome.problem for outcome in self.outcomes if outcome.problem]

    @property
    def built(self) -> int:
        return len(self.outcomes) - len(self.failures)


def build_set(project: Project, targets: list[Target], out_dir: Path, *, jobs: int = 1, force: bool = False,
              fail_fast: bool = False, on_start: Callable[[int], None] = lambda total: None,
              on_done: Callable[[Outcome], None] = lambda outcome: None) -> Summary:
    """Render the targets whose inputs changed since the last build (all with `force`), record
    each in the manifest as it lands, remove outputs whose content file is gone, write the index."""
    manifest = Manifest(out_dir)
    fingerprints = Fingerprints(project)
    prints = {target: fingerprints.of(target) for target in targets}
    todo = [target for target in targets if force or not manifest.is_current(target, prints[target])]
    summary = Summary(len(targets), up_to_date=len(targets) - len(todo),
                      removed=manifest.remove_orphans(targets))

    def record(outcome: Outcome) -> None:
        target = outcome.target
        if outcome.problem is None:
            manifest.record(target, Entry(prints[target], str(fingerprints.source(target)), outcome.title,
                                          target.request.language, target.request.large_print,
                                          outcome.version, outcome.pages))
        on_done(outcome)

    on_start(len(todo))
    builder = Builder(project)
    summary.outcomes = builder.build(todo, record, jobs=jobs, fail_fast=fail_fast)
    write_index(out_dir, manifest, builder.renderer)
    return summary
