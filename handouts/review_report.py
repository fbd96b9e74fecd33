"""`handouts review-report`: the review rows as a terminal table, JSON, or a printable HTML page."""

import json
from dataclasses import asdict
from datetime import date
from typing import Any

from handouts.project import Project
from handouts.readability import formula_of
from handouts.usecases import ReviewRow

TEMPLATE = "review-report.html"
COLUMNS = (
    "handout",
    "title",
    "lang",
    "status",
    "version",
    "reviewer",
    "reviewed",
    "next review",
    "overdue",
    "changed",
    "reading level",
    "pages",
)
# Reading ease (Fernández-Huerta, like Flesch's) from this score up, in words; below the last, very hard.
EASE_BANDS = ((90, "very easy"), (80, "easy"), (70, "fairly easy"), (60, "plain"), (50, "fairly hard"), (30, "hard"))
SCHOOL_GRADES = range(1, 13)


def cells(row: ReviewRow) -> list[str]:
    """The row as the table and the HTML page print it; blank where there is nothing to say."""
    return [
        row.slug,
        row.title,
        row.language,
        row.status,
        "" if row.version is None else str(row.version),
        row.reviewer or "",
        str(row.reviewed_on or ""),
        str(row.next_review or ""),
        "yes" if row.overdue else "",
        "yes" if row.changed_since_approval else "",
        reading_level(row),
        "not built" if row.pages is None else str(row.pages),
    ]


def reading_level(row: ReviewRow) -> str:
    """The readability figure and what it means, in words: `grade 6.2: about the reading level of a
    6th grader`, `Fernández-Huerta 78.0: fairly easy (0 to 100, higher is easier)`."""
    formula = formula_of(row.language)
    score = row.reading_score
    if score is None:
        return ""
    if formula.limit not in ("max_grade", "min_fernandez_huerta"):  # no school grade or ease band to say
        return f"{formula.name} {score:.1f}"
    if formula.higher_is_easier:
        ease = next((words for bound, words in EASE_BANDS if score >= bound), "very hard")
        return f"{formula.name} {score:.1f}: {ease} to read (0 to 100, higher is easier)"
    grade = round(score)
    if grade < SCHOOL_GRADES[0]:
        meaning = "easier than 1st grade reading"
    elif grade > SCHOOL_GRADES[-1]:
        meaning = "harder than high school reading"
    else:
        meaning = f"about the reading level of a {ordinal(grade)} grader"
    return f"grade {score:.1f}: {meaning}"


def ordinal(number: int) -> str:
    """1st, 2nd, 3rd, 4th ... 11th, 12th."""
    suffix = "th" if 11 <= number % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


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
