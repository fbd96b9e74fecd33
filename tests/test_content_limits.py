"""Issue 23: content has size limits that say what was too big (checked on load, so `build`, `check`
and `serve` all refuse it), and `check` fails a handout whose printed text lost a section."""

import json
import re
import time
import unicodedata
from pathlib import Path

import pytest
import yaml

from handouts.characters import piled_marks
from handouts.content import (
    MAX_CONTENT_FILE_BYTES,
    MAX_EMPHASIS_MARKERS,
    MAX_LIST_ITEMS,
    MAX_MARKS_PER_CHARACTER,
    MAX_TEXT_CHARS,
)

from conftest import REPO, invoke

ESI = (REPO / "content/en/epidural-steroid-injection.yaml").read_text(encoding="utf-8")
SHOWN = "content/en/test-handout.yaml"
ACUTE = "\u0301"  # a combining acute accent


def write_handout(project: Path, text: str) -> None:
    path = project / "content" / "en" / "test-handout.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def esi_with(old: str, new: str) -> str:
    assert old in ESI
    return ESI.replace(old, new, 1)


def line_of(text: str, fragment: str) -> int:
    return text[: text.index(fragment)].count("\n") + 1


def build(project: Path, slug: str = "test-handout"):
    out = project / "output"
    result = invoke("build", slug, "--project", project, "--out", out)
    return result, out


SUMMARY = "summary: >-\n"
AFTER = "after:\n"


def many_items(count: int) -> str:
    return "".join(f"  - Rest today, part {number}.\n" for number in range(count))


LONG_SUMMARY = esi_with(SUMMARY, SUMMARY + "  " + "Rest. " * (MAX_TEXT_CHARS // 6) + "\n")
LONG_LIST_TEXT = "extras:\n  - heading: A long list\n    text: |\n" + "".join(f"      - item {n}\n" for n in range(41))
ESI_AFTER_ITEMS = len(yaml.safe_load(ESI)["after"])
NINE_THOUSAND = esi_with(AFTER, AFTER + "  - a\n" * 9_000)  # still under the file size limit
CASES = [
    pytest.param(
        esi_with(AFTER, AFTER + many_items(MAX_LIST_ITEMS + 1 - ESI_AFTER_ITEMS)),  # one over, with the file's own
        AFTER,
        f"after: a list of {MAX_LIST_ITEMS + 1} items, over the {MAX_LIST_ITEMS} one list may have",
        id="list items",
    ),
    pytest.param(
        NINE_THOUSAND,
        AFTER,
        f"after: a list of {len(yaml.safe_load(NINE_THOUSAND)['after']):,} items, over the {MAX_LIST_ITEMS} one list may have",
        id="9000 list items",
    ),
    pytest.param(
        LONG_SUMMARY,
        SUMMARY,
        f"summary: text of {len(yaml.safe_load(LONG_SUMMARY)['summary']):,} characters, "
        f"over the {MAX_TEXT_CHARS:,} one text may have",
        id="long text",
    ),
    pytest.param(
        esi_with(SUMMARY, SUMMARY + "  " + "*a* " * (MAX_EMPHASIS_MARKERS // 2 + 1) + "\n"),
        SUMMARY,
        f"summary: {MAX_EMPHASIS_MARKERS + 2} emphasis markers (* and _), over the {MAX_EMPHASIS_MARKERS} "
        "one text may have",
        id="emphasis markers",
    ),
    pytest.param(
        esi_with(SUMMARY, SUMMARY + "  Za" + ACUTE * 300 + "lgo.\n"),
        SUMMARY,
        f"summary: 300 combining marks on one character, over the {MAX_MARKS_PER_CHARACTER} one character may have",
        id="piled marks",
    ),
    pytest.param(
        ESI + LONG_LIST_TEXT,
        "    text: |",
        f"extras[1].text: a list of 41 items, over the {MAX_LIST_ITEMS} one list may have",
        id="markdown list items",
    ),
]


@pytest.mark.parametrize("text,at,message", CASES)
def test_content_past_a_limit_is_one_error_at_its_line(clinic_project, text, at, message):
    write_handout(clinic_project, text)
    started = time.monotonic()
    result, out = build(clinic_project)
    assert time.monotonic() - started < 10  # refused on load, never laid out
    assert result.exit_code == 1
    assert result.output == f"Error: {SHOWN}:{line_of(text, at)}: {message}\n"
    assert not out.exists() or not list(out.rglob("*.pdf"))


def test_check_reports_the_limit_too(clinic_project):
    text = esi_with(SUMMARY, SUMMARY + "  Za" + ACUTE * 300 + "lgo.\n")
    write_handout(clinic_project, text)
    result = invoke("check", "test-handout", "--project", clinic_project)
    assert result.exit_code == 1
    assert f"{SHOWN}:{line_of(text, SUMMARY)}: summary: 300 combining marks on one character" in result.output


def test_a_content_file_past_its_size_limit_names_the_line_that_passes_it(clinic_project):
    padding = "".join(f"# note {number:06d} " + "x" * 50 + "\n" for number in range(MAX_CONTENT_FILE_BYTES // 64))
    text = ESI + padding
    assert MAX_CONTENT_FILE_BYTES < len(text.encode()) < 256 * 1024  # within the limit of other YAML files
    write_handout(clinic_project, text)
    result, _ = build(clinic_project)
    passing_line = text.encode()[:MAX_CONTENT_FILE_BYTES].count(b"\n") + 1
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {SHOWN}:{passing_line}: file too large: passes the {MAX_CONTENT_FILE_BYTES // 1024} KB limit "
        "on this line\n"
    )


def test_a_file_of_emphasis_is_refused_at_once(clinic_project):
    """The issue's case: 240 KB of `*a*` took 66 s and 1.4 GB to render."""
    write_handout(clinic_project, esi_with(SUMMARY, SUMMARY + "  " + "*a*" * 80_000 + "\n"))
    started = time.monotonic()
    result, _ = build(clinic_project)
    assert time.monotonic() - started < 10
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {SHOWN}:") and "file too large" in result.output


def test_labels_and_blocks_go_through_the_same_limits(clinic_project):
    labels = (REPO / "content/en/_labels.yaml").read_text(encoding="utf-8")
    piled = "risks: Risks" + ACUTE * 5
    labels = re.sub(r"(?m)^risks: .*$", piled, labels, count=1)
    (clinic_project / "content/en").mkdir(parents=True)
    (clinic_project / "content/en/_labels.yaml").write_text(labels, encoding="utf-8")
    blocks = (REPO / "content/en/_blocks.yaml").read_text(encoding="utf-8")
    blocks = blocks.replace("every_procedure:\n", "every_procedure:\n  after:\n" + "    - Rest.\n" * 41, 1)
    (clinic_project / "content/en/_blocks.yaml").write_text(blocks, encoding="utf-8")
    result, _ = build(clinic_project, "epidural-steroid-injection")
    assert result.exit_code == 1
    assert result.output == (
        f"Error: en/epidural-steroid-injection: content/en/_labels.yaml:{line_of(labels, piled)}: risks: 5 combining marks on one character, "
        f"over the {MAX_MARKS_PER_CHARACTER} one character may have\n"
    )
    (clinic_project / "content/en/_labels.yaml").unlink()
    result, _ = build(clinic_project, "epidural-steroid-injection")
    assert result.exit_code == 1
    assert result.output == (
        f"Error: en/epidural-steroid-injection: content/en/_blocks.yaml:{line_of(blocks, '  after:')}: every_procedure.after: a list of 41 items, "
        f"over the {MAX_LIST_ITEMS} one list may have\n"
    )


def test_piled_marks_counts_marks_on_one_character():
    vietnamese = unicodedata.normalize("NFD", "Tiếng Việt")  # ệ: e, a dot below and a circumflex
    assert piled_marks("Rest today.") == 0
    assert piled_marks(vietnamese) == 2
    assert piled_marks("a" + ACUTE + "e" + ACUTE) == 1
    assert piled_marks("a" + ACUTE * 300 + "b" + ACUTE * 2) == 300
    assert piled_marks("\u20dd" * 4) == 4  # enclosing marks (Me) count too


# `check` fails a handout whose printed text lost a section: the safety net under CSS escaping.

LABELS = yaml.safe_load((REPO / "content/en/_labels.yaml").read_text(encoding="utf-8"))
ESI_SLUG = "epidural-steroid-injection"


def override_stylesheet(project: Path, rules: str) -> None:
    """A project templates/handout.css: the built-in one with some rules added at its end."""
    (project / "templates").mkdir(exist_ok=True)
    builtin = (REPO / "templates/handout.css").read_text(encoding="utf-8")
    (project / "templates/handout.css").write_text(builtin + "\n" + rules + "\n", encoding="utf-8")


def check_errors(project: Path, *slugs: str) -> tuple[int, list[tuple[str, str]]]:
    result = invoke("check", *slugs, "--lang", "en", "--json", "--project", project, "--out", project / "none")
    data = json.loads(result.output)
    errors = [
        (finding["where"], finding["message"])
        for report in data["handouts"]
        for finding in report["findings"]
        if finding["severity"] == "error"
    ]
    return result.exit_code, errors


@pytest.mark.parametrize(
    "rules,key",
    [
        pytest.param(".call-911 h2 { visibility: hidden; }", "call_911", id="911 heading hidden"),
        pytest.param(".call-us { opacity: 0; }", "call_us", id="call us see-through"),
    ],
)
def test_check_fails_a_handout_whose_pages_lost_a_section(clinic_project, rules, key):
    override_stylesheet(clinic_project, rules)
    exit_code, errors = check_errors(clinic_project, ESI_SLUG)
    assert exit_code == 1
    assert errors == [
        (f"(built-in) content/en/{ESI_SLUG}.yaml", f"{key}: the heading {LABELS[key]!r} is not in the printed pages")
    ]


def test_the_library_passes_until_a_project_stylesheet_hides_the_risks(clinic_project):
    exit_code, errors = check_errors(clinic_project, ESI_SLUG, "pain-diary")
    assert (exit_code, errors) == (0, [])
    override_stylesheet(clinic_project, ".risks { display: none; }")
    exit_code, errors = check_errors(clinic_project, ESI_SLUG)
    assert exit_code == 1
    assert errors == [
        (
            f"(built-in) content/en/{ESI_SLUG}.yaml",
            f"risks: the heading {LABELS['risks']!r} is not in the printed pages",
        )
    ]
