"""Clinician sign-off tied to the text: `approvals.yaml` in a clinic project records who approved
which version of each handout and language, on which date, and a fingerprint of everything that
prints on it. A handout whose fingerprint has moved on prints as a draft again."""

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import Field, StringConstraints

from handouts.content import LANGUAGE_PATTERN, SLUG_PATTERN, Handout, Labels, Strict, Text
from handouts.errors import ProjectError
from handouts.files import write_atomically
from handouts.yamlfile import load_model

APPROVALS_FILE = "approvals.yaml"
REVIEW_CYCLE_YEARS = 1
NOT_PRINTED_REVIEW_FIELDS = {"status", "reviewed_by", "reviewed_on", "next_review"}
HEADER = """\
# Clinician sign-off, written by `handouts approve`: do not edit by hand.
# For each handout and language: the version approved, by whom, on which date, when it is due for
# review, and a fingerprint (sha256) of everything that prints on it. When the printed text changes,
# the fingerprint no longer matches: the footer shows the draft notice and `handouts check` says so.
"""
Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN.pattern)]
LanguageCode = Annotated[str, StringConstraints(pattern=LANGUAGE_PATTERN.pattern)]
Fingerprint = Annotated[str, StringConstraints(pattern=r"^sha256:[0-9a-f]{64}$")]


class Approval(Strict):
    """One sign-off of one handout in one language."""

    version: int = Field(ge=1)
    approved_by: Text
    approved_on: date
    next_review: date
    fingerprint: Fingerprint


class Approvals(Strict):
    """`approvals.yaml`: slug -> language -> Approval."""

    approvals: dict[Slug, dict[LanguageCode, Approval]] = Field(default_factory=dict)

    def of(self, slug: str, language: str) -> Approval | None:
        return self.approvals.get(slug, {}).get(language)


@dataclass(frozen=True)
class ApprovalState:
    """A handout's sign-off as it stands now: approved as printed, changed since, or never approved."""

    fingerprint: str  # of the printed text
    record: Approval | None

    def signed(self, approved_by: str) -> str:
        """The fingerprint a sign-off records: the printed text and who approved it, who is printed
        in the footer too (a name edited in approvals.yaml no longer matches)."""
        return "sha256:" + hashlib.sha256(f"{self.fingerprint}\0{approved_by}".encode()).hexdigest()

    @property
    def current(self) -> bool:
        return self.record is not None and self.record.fingerprint == self.signed(self.record.approved_by)

    @property
    def changed(self) -> bool:
        return self.record is not None and not self.current


class PlainDumper(yaml.SafeDumper):
    """Writes each value in full: no anchors and aliases for a date shared by two records."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def read_approvals(root: Path) -> Approvals:
    path = root / APPROVALS_FILE
    return load_model(Approvals, path, APPROVALS_FILE) if path.is_file() else Approvals()


def write_approvals(root: Path, approvals: Approvals) -> None:
    data = {
        "approvals": {
            slug: {language: record.model_dump() for language, record in sorted(languages.items())}
            for slug, languages in sorted(approvals.approvals.items())
        }
    }
    text = HEADER + yaml.dump(data, Dumper=PlainDumper, allow_unicode=True, sort_keys=False, width=100)
    write_atomically(root / APPROVALS_FILE, text.encode("utf-8"))


def printed_fingerprint(printed: Handout, labels: Labels, clinic: Any) -> str:
    """sha256 over a canonical JSON of what prints: the handout with its blocks and policies filled
    in (review dates and status aside: the sign-off itself), the labels, and the clinic's contact lines."""
    content = printed.model_dump(mode="json")
    content["review"] = {key: value for key, value in content["review"].items() if key not in NOT_PRINTED_REVIEW_FIELDS}
    contact = clinic.model_dump(mode="json", include={"name", "phone", "after_hours_phone", "address", "website"})
    canonical = json.dumps(
        {"handout": content, "labels": labels.model_dump(mode="json"), "clinic": contact},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def next_review_after(day: date) -> date:
    try:
        return day.replace(year=day.year + REVIEW_CYCLE_YEARS)
    except ValueError:  # February 29
        return day.replace(year=day.year + REVIEW_CYCLE_YEARS, day=28)


def refuse_library(root: Path, library: Path) -> None:
    if root == library:
        raise ProjectError(
            "approvals are a clinic's own record and never go into the built-in library: "
            "make a clinic project with `handouts init DIR` and pass --project DIR"
        )
