"""`handouts review-report`: the review rows as a terminal table, JSON, or a printable HTML page."""

import json
from dataclasses import asdict
from datetime import date
from typing import Any

from handouts.project import Project
from handouts.usecases import ReviewRow

TEMPLATE = "review-report.html"
COLUMNS = (
    "handout",
    "lang",
    "status",
    "version",
    "reviewer",
    "reviewed",
    "next review",
    "overdue",
    "changed",
    "grade",
    "pages",
)


def cells(row: ReviewRow) -> list[str]:
    """The row as the table and the HTML page print it; blank where there is nothing to say."""
    score = "" if row.reading_score is None else f"{row.reading_formula} {row.reading_score:.1f}"
    return [
        row.slug,
        row.language,
        row.status,
        "" if row.version is None else str(row.version),
        row.reviewer or "",
        str(row.reviewed_on or ""),
        str(row.next_review or ""),
        "yes" if row.overdue else "",
        "yes" if row.changed_since_approval else "",
        score,
        "not built" if row.pages is None else str(row.pages),
    ]


def as_table(rows: list[ReviewRow]) -> str:
    table = [list(COLUMNS)] + [cells(row) for row in rows]
    widths = [max(len(line[column]) for line in table) for column in range(len(COLUMNS))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip() for line in table]
    problems = [f"{row.language}/{row.slug}: {row.problem}" for row in rows if row.problem]
    return "\n".join(lines + problems)


def as_json_text(rows: list[ReviewRow]) -> str:
    def plain(row: ReviewRow) -> dict[str, Any]:
        return {key: str(value) if isinstance(value, date) else value for key, value in asdict(row).items()}

    return json.dumps([plain(row) for row in rows], indent=2, ensure_ascii=False)


def as_html(rows: list[ReviewRow], project: Project, today: date) -> str:
    """A printable page, from the templates' review-report.html (a project may override it)."""
    from handouts.render import Renderer

    context = {
        "clinic": project.clinic,
        "today": today,
        "columns": COLUMNS,
        "rows": [(row, cells(row)) for row in rows],
        "counts": {status: sum(row.status == status for row in rows) for status in ("approved", "changed", "draft")},
    }
    return Renderer(project).render_template(TEMPLATE, context)
