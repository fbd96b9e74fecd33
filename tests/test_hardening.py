"""Hostile input: YAML that expands without bound, tampered manifests, loose visit details,
unsafe links and forged log lines. Each attack either fails with a clear one-line error or is
made harmless; none may crash, hang or reach outside the project and output folders."""

import datetime
import io
import json
import logging
import os
import re
import stat
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pdfplumber
import pytest
import yaml
from click.testing import CliRunner

from handouts import yamlfile
from handouts.cli import cli
from handouts.errors import ContentError, OutputError
from handouts.files import MANIFEST_FILE, write_output
from handouts.manifest import Manifest
from handouts.markup import markdown_block
from handouts.project import open_project
from handouts.server import create_app
from handouts.targets import RenderRequest
from handouts.visit import Visit, VisitError

from conftest import REPO, sample

LIBYAML = getattr(yamlfile, "FAST_LOADER", None) or getattr(yaml, "CSafeLoader", None)
LOADERS = [pytest.param(None, id="python")] + ([pytest.param(LIBYAML, id="libyaml")] if LIBYAML else [])


def merge_key_bomb() -> str:
    """The 599-byte file of the issue: m1..m8 each merge nine copies of the one before."""
    lines = ["m0: &m0 {a: 1, b: 2}"]
    for level in range(1, 9):
        copies = ", ".join([f"*m{level - 1}"] * 9)
        lines.append(f"m{level}: &m{level} {{<<: [{copies}]}}")
    lines.append("title: *m8")
    return "\n".join(lines) + "\n"


def write(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def load_with(loader, monkeypatch, path: Path):
    monkeypatch.setattr(yamlfile, "FAST_LOADER", loader, raising=False)
    return yamlfile.load_yaml(path, "x.yaml")


def run_limited(code: str, memory_mb: int = 512, seconds: int = 20) -> subprocess.CompletedProcess:
    """Python code in a child process that may use at most `memory_mb` of address space."""
    limit = memory_mb * 1024 * 1024
    wrapper = f"import resource\nresource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))\n" + textwrap.dedent(code)
    return subprocess.run(
        [sys.executable, "-c", wrapper],
        check=False,
        capture_output=True,
        text=True,
        timeout=seconds,
        cwd=REPO,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
    )


# --- YAML that expands without bound --------------------------------------------------------------


def test_merge_key_bomb_fails_fast_in_bounded_memory(clinic_project):
    bomb = write(clinic_project, "content/en/bomb.yaml", merge_key_bomb())
    assert len(bomb.read_bytes()) < 600
    started = time.monotonic()
    result = run_limited(f"""
        import sys
        from click.testing import CliRunner
        from handouts.cli import cli
        result = CliRunner().invoke(cli, ["list", "--project", {str(clinic_project)!r}], catch_exceptions=False)
        sys.stdout.write(result.output)
        sys.exit(result.exit_code)
    """)
    assert time.monotonic() - started < 30
    assert result.returncode == 1, result.stderr[-2000:]
    assert (
        result.stdout
        == "Error: content/en/bomb.yaml:5: more than 20,000 values (aliases and merge keys count what they copy)\n"
    )


@pytest.mark.parametrize("loader", ["None", "yamlfile.FAST_LOADER"])
def test_merge_key_bomb_same_error_with_either_loader(tmp_path, loader):
    if loader != "None" and LIBYAML is None:
        pytest.skip("PyYAML without libyaml")
    path = write(tmp_path, "bomb.yaml", merge_key_bomb())
    result = run_limited(f"""
        import yaml
        from handouts import yamlfile
        from handouts.errors import ContentError
        yamlfile.FAST_LOADER = {loader}
        try:
            yamlfile.load_yaml(__import__("pathlib").Path({str(path)!r}), "x.yaml")
        except ContentError as error:
            print(error)
    """)
    assert result.stdout == "x.yaml:5: more than 20,000 values (aliases and merge keys count what they copy)\n", (
        result.stderr[-1500:]
    )


DEEP = "title: " + "[" * 500 + "]" * 500 + "\n"
DEEP_ERROR = "content/en/deep.yaml:1: nested more than 32 levels deep"


@pytest.mark.parametrize("command", [["list"], ["build", "deep"], ["check", "deep"]])
def test_deep_nesting_is_one_clear_error(clinic_project, command):
    write(clinic_project, "content/en/deep.yaml", DEEP)
    out = clinic_project / "output"
    extra = ["--out", str(out)] if command[0] == "build" else []
    result = CliRunner().invoke(cli, [*command, "--project", str(clinic_project), *extra], catch_exceptions=False)
    assert result.exit_code == 1
    if command[0] == "check":  # the report names the handout; its one error follows
        assert [line for line in result.output.splitlines() if "deep.yaml" in line] == [f"error   {DEEP_ERROR}"]
    else:
        assert result.output == f"Error: {DEEP_ERROR}\n"
    assert not out.exists()


@pytest.mark.parametrize("loader", LOADERS)
@pytest.mark.parametrize(
    "name,text,message",
    [
        ("deep flow", "a: " + "[" * 40 + "]" * 40, "x.yaml:1: nested more than 32 levels deep"),
        (
            "deep block",
            "".join(f"{'  ' * level}- \n" for level in range(40)) + "  " * 40 + "- x\n",
            "x.yaml:33: nested more than 32 levels deep",
        ),
        (
            "deep mapping",
            "".join(f"{'  ' * level}k{level}:\n" for level in range(40)),
            "x.yaml:33: nested more than 32 levels deep",
        ),
        ("alias inside its anchor", "a: &a [1, [2, *a]]\n", "x.yaml:1: alias *a is inside its own anchor &a"),
        (
            "anchors in lists",
            "a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n"
            + "".join(
                f"b{n}: &b{n} [*{'a' if n == 0 else f'b{n - 1}'}, *{'a' if n == 0 else f'b{n - 1}'}, "
                f"*{'a' if n == 0 else f'b{n - 1}'}, *{'a' if n == 0 else f'b{n - 1}'}]\n"
                for n in range(10)
            ),
            "x.yaml:7: more than 20,000 values (aliases and merge keys count what they copy)",
        ),
        (
            "merge keys inside sequences",
            "base: &base {a: 1}\nlist:\n" + "".join("  - {<<: *base, b: 2}\n" for _ in range(60)),
            "x.yaml:53: more than 50 merge keys (<<)",
        ),
        (
            "too many aliases",
            "a: &a x\nb: [" + ", ".join(["*a"] * 201) + "]\n",
            "x.yaml:2: more than 200 aliases (*name)",
        ),
        (
            "aliases to a huge string",
            "s: &s " + "x" * 200_000 + "\nl: [*s, *s, *s, *s, *s]\n",
            "x.yaml:2: more than 1,000,000 characters of text (aliases and merge keys count what they copy)",
        ),
    ],
)
def test_yaml_bounds(tmp_path, monkeypatch, loader, name, text, message):
    path = write(tmp_path, "x.yaml", text)
    with pytest.raises(ContentError) as error:
        load_with(loader, monkeypatch, path)
    assert [str(problem) for problem in error.value.problems] == [message]


@pytest.mark.parametrize("loader", LOADERS)
@pytest.mark.parametrize(
    "text,message",
    [
        ("a: 0000-01-01\n", "x.yaml:1: YAML syntax error: cannot read this value: year 0 is out of range"),
        ("a: b\nc: 2026-02-30\n", "x.yaml:2: YAML syntax error: cannot read this value: day is out of range for month"),
        (
            "a: " + "9" * 5000 + "\n",
            "x.yaml:1: YAML syntax error: cannot read this value: a number of more than 100 characters",
        ),
        (
            "a: 1" + ":59" * 80_000 + "\n",
            "x.yaml:1: YAML syntax error: cannot read this value: a number of more than 100 characters",
        ),
    ],
)
def test_values_python_cannot_hold_are_errors_at_their_line(tmp_path, monkeypatch, loader, text, message):
    started = time.monotonic()
    with pytest.raises(ContentError) as error:
        load_with(loader, monkeypatch, write(tmp_path, "x.yaml", text))
    assert [str(problem) for problem in error.value.problems] == [message]
    assert time.monotonic() - started < 2


@pytest.mark.parametrize("size", [256 * 1024 + 1, 10 * 1024 * 1024])
def test_oversized_file_is_refused_unread(tmp_path, size):
    path = write(tmp_path, "x.yaml", b"title: " + b"x" * (size - 8) + b"\n")
    started = time.monotonic()
    with pytest.raises(ContentError) as error:
        yamlfile.load_yaml(path, "x.yaml")
    assert [str(problem) for problem in error.value.problems] == [
        "x.yaml:1: file too large: passes the 256 KB limit on this line"
    ]
    assert time.monotonic() - started < 1


@pytest.mark.parametrize("loader", LOADERS)
def test_a_file_within_every_bound_still_loads(tmp_path, monkeypatch, loader):
    text = (
        "base: &base {a: 1, b: [x, y]}\n"
        "uses: [*base, *base]\nmerged: {<<: *base, c: 3}\n"
        "nest: " + "[" * 31 + "1" + "]" * 31 + "\n"
    )
    data, node = load_with(loader, monkeypatch, write(tmp_path, "x.yaml", text))
    assert data["merged"] == {"a": 1, "b": ["x", "y"], "c": 3}
    assert data["uses"] == [data["base"], data["base"]]
    assert node.value[-1][0].start_mark.line == 3


def test_libyaml_parses_the_library_exactly_as_the_python_loader(monkeypatch):
    if LIBYAML is None:
        pytest.skip("PyYAML without libyaml")

    def marks(node):
        yield type(node).__name__, node.tag, node.start_mark.line, node.start_mark.column
        children = (
            node.value
            if isinstance(node, yaml.SequenceNode)
            else ([child for pair in node.value for child in pair] if isinstance(node, yaml.MappingNode) else [])
        )
        for child in children:
            yield from marks(child)

    files = [*sorted((REPO / "content").glob("*/*.yaml")), REPO / "clinic.yaml"]
    for path in files:
        fast = load_with(LIBYAML, monkeypatch, path)
        slow = load_with(None, monkeypatch, path)
        assert fast[0] == slow[0], path
        assert list(marks(fast[1])) == list(marks(slow[1])), path


@pytest.mark.parametrize(
    "text",
    [
        "title: [unclosed\nsummary: x\n",
        "a: b\n  c: d\n",
        "a: *nowhere\n",
        "a: 'open\n",
        "a:\tb\n\t- c\n",
        "key: value\n---\nsecond: document\n",
        "---\n" * 30_000,
        "a: 1\n---\n" + "- [1, 2, 3]\n" * 10_000,
        "a: \x07\n",
        "? [a, b]\n: c\n",
    ],
)
def test_libyaml_errors_read_as_the_python_loaders(tmp_path, monkeypatch, text):
    path = write(tmp_path, "x.yaml", text)
    messages = []
    for loader in [None, LIBYAML]:
        try:
            load_with(loader, monkeypatch, path)
            messages.append(None)
        except ContentError as error:
            messages.append([str(problem) for problem in error.problems])
    assert messages[0] is not None
    assert messages[0] == messages[1]


# --- The build manifest, which anyone who can write to the output folder can change ----------------


def entry(source: str = "/nowhere/gone.yaml") -> dict:
    return {
        "fingerprint": "0" * 64,
        "source": source,
        "title": "T",
        "language": "en",
        "large_print": False,
        "version": 1,
        "pages": 1,
    }


def warnings_of(caplog) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.name == "handouts" and record.levelno == logging.WARNING
    ]


@pytest.mark.warnings_expected
def test_tampered_manifest_removes_only_its_own_files_inside_the_output_folder(tmp_path, caplog):
    out, outside = tmp_path / "output", tmp_path / "outside"
    (out / "en").mkdir(parents=True)
    outside.mkdir()
    victims = [
        write(tmp_path, "victim.txt", "keep"),
        write(outside, "victim.pdf", "keep"),
        write(outside, "fr/linked.pdf", "keep"),
    ]
    (out / "en" / "link.pdf").symlink_to(outside / "victim.pdf")
    (out / "fr").symlink_to(outside / "fr", target_is_directory=True)
    orphan = write(out, "en/gone-handout.pdf", "old")
    names = [
        "../victim.txt",
        str(tmp_path / "victim.txt"),
        "en/../../victim.txt",
        "en/link.pdf",
        "fr/linked.pdf",
        "en/gone-handout.pdf",
        "en/notes.txt",
    ]
    write(out, MANIFEST_FILE, json.dumps({"format": 1, "outputs": {name: entry() for name in names}}))

    caplog.set_level(logging.WARNING, logger="handouts")
    removed = Manifest(out).remove_orphans([])

    assert removed == [orphan] and not orphan.exists()
    assert all(victim.read_text() == "keep" for victim in victims)
    assert (out / "en" / "link.pdf").is_symlink()
    assert sorted(warnings_of(caplog)) == sorted(
        [
            *(
                f"{out / MANIFEST_FILE}: ignored the entry {name!r:.80}: not a file this tool writes"
                for name in ["../victim.txt", str(tmp_path / "victim.txt"), "en/../../victim.txt", "en/notes.txt"]
            ),
            f"{out / 'en/link.pdf'}: not removed: it leads outside {out}",
            f"{out / 'fr/linked.pdf'}: not removed: it leads outside {out}",
        ]
    )
    assert json.loads((out / MANIFEST_FILE).read_text())["outputs"] == {}


@pytest.mark.warnings_expected
@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000 + "]" * 100_000,
        '{"format": 1, "outputs": ' + '{"a": ' * 50_000 + "1" + "}" * 50_001,
        '{"format": 1, "outputs": [1, 2]}',
        "not json",
        " " * (8 * 1024 * 1024 + 1),
    ],
)
def test_corrupt_manifest_is_rebuilt_and_says_so_once(tmp_path, caplog, text):
    out = tmp_path / "output"
    write(out, MANIFEST_FILE, text)
    caplog.set_level(logging.WARNING, logger="handouts")
    assert Manifest(out).entries == {}
    assert warnings_of(caplog) == [f"{out / MANIFEST_FILE} is unreadable: rebuilding everything"]


def test_missing_manifest_is_quiet(tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="handouts")
    assert Manifest(tmp_path / "output").entries == {}
    assert warnings_of(caplog) == []


# --- Visit details typed at the front desk ---------------------------------------------------------


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("date", "0", "procedure date: not a date like 2026-12-03"),
        ("date", "-86400", "procedure date: not a date like 2026-12-03"),
        ("date", "1764720000", "procedure date: not a date like 2026-12-03"),
        ("date", "2026-12-03T00:00:00", "procedure date: not a date like 2026-12-03"),
        ("date", "2026-12-03T00:00:00+02:00", "procedure date: not a date like 2026-12-03"),
        ("date", "20261203", "procedure date: not a date like 2026-12-03"),
        ("date", "\u0662\u0660\u0662\u0666-\u0661\u0662-\u0660\u0663", "procedure date: not a date like 2026-12-03"),
        ("date", "2026-02-30", "procedure date: not a date like 2026-12-03"),
        ("date", "1969-12-31", "procedure date: not a year from 2000 to 2100"),
        ("date", "9999-12-31", "procedure date: not a year from 2000 to 2100"),
        ("arrive", "0", "arrival time: not a time like 08:30"),
        ("arrive", "86399", "arrival time: not a time like 08:30"),
        ("arrive", "08:30:00", "arrival time: not a time like 08:30"),
        ("arrive", "08:30+02:00", "arrival time: not a time like 08:30"),
        ("arrive", "08:30Z", "arrival time: not a time like 08:30"),
        ("arrive", "24:00", "arrival time: not a time like 08:30"),
        ("arrive", "2026-12-03T08:30", "arrival time: not a time like 08:30"),
    ],
)
def test_loose_dates_and_times_are_refused_without_echoing_them(field, value, message):
    with pytest.raises(VisitError) as error:
        Visit.from_fields({field: value})
    assert str(error.value) == message


@pytest.mark.parametrize(
    "field,value,expected",
    [
        ("date", "2000-01-01", datetime.date(2000, 1, 1)),
        ("date", "2100-12-31", datetime.date(2100, 12, 31)),
        ("arrive", "00:00", datetime.time(0, 0)),
        ("arrive", "23:59", datetime.time(23, 59)),
    ],
)
def test_dates_and_times_as_written_still_work(field, value, expected):
    assert getattr(Visit.from_fields({field: value}), field) == expected


@pytest.mark.parametrize(
    "typed,kept",
    [
        ("Ana\x00 L\x07opez\x1b[31m", "Ana Lopez[31m"),
        ("\u202eAna Lopez\u202c", "Ana Lopez"),
        ("\u2067Ana\u2069 \u200fLopez\u200e \u061c", "Ana Lopez"),
        ("Ana\r\nLopez\x85\x9b", "Ana Lopez"),
        ("Dr \udcff Lee", "Dr Lee"),
        (
            "Jos\u00e9 \u0645\u0631\u064a\u0645 \u05d9\u05e2\u05dc",
            "Jos\u00e9 \u0645\u0631\u064a\u0645 \u05d9\u05e2\u05dc",
        ),
    ],
)
def test_control_and_direction_characters_are_dropped(typed, kept):
    visit = Visit.from_fields({"patient": typed, "note": typed})
    assert visit.patient == visit.note == kept


def test_only_invisible_characters_is_an_empty_field():
    assert Visit.from_fields({"patient": "\u202e\x00 \u2066"}).patient == ""


def test_lengths_are_still_bounded_after_cleaning():
    with pytest.raises(VisitError, match=r"^patient name: too long"):
        Visit.from_fields({"patient": "N" * 101})
    assert Visit.from_fields({"patient": "\u202e" * 50 + "N" * 100}).patient == "N" * 100


def test_long_words_wrap_inside_the_page_and_text_reads_left_to_right(maker):
    visit = Visit.from_fields({"patient": "W" * 100, "location": "M" * 200, "physician": "\u202eDr Lee\u202c"})
    pdf = maker.render(RenderRequest("epidural-steroid-injection", "en", "letter", visit=visit)).pdf
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        page = document.pages[0]
        typed = [char for char in page.chars if char["text"] in "WM" and char["size"] < 14]
        text = page.extract_text()
    assert text.count("W") >= 100 and text.count("M") >= 200
    assert max(char["x1"] for char in typed) <= page.width - 36  # inside the right margin
    assert "Dr Lee" in text and "eeL rD" not in text


# --- Links in content ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "link",
    [
        "../../etc/passwd",
        "/etc/passwd",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "http://example.org/",
        "data:text/html,x",
        "#top",
        "",
        "<java script:x>",
        "https:example.org",
        "//example.org/x",
    ],
)
@pytest.mark.parametrize("command", ["build", "check"])
def test_only_https_mailto_and_tel_links_load(clinic_project, command, link):
    esi = (REPO / "content/en/epidural-steroid-injection.yaml").read_text(encoding="utf-8")
    fragment = "call_us:\n  - You have a headache"
    assert fragment in esi
    text = esi.replace(
        fragment, f"call_us:\n  - See [this]({link}) and [ours](https://example.org/). You have a headache", 1
    )
    write(clinic_project, "content/en/linked.yaml", text)
    line = text[: text.index("See [this]")].count("\n") + 1
    out = clinic_project / "output"
    result = CliRunner().invoke(
        cli,
        [command, "linked", "--project", str(clinic_project), "--out", str(out)]
        if command == "build"
        else [command, "linked", "--project", str(clinic_project)],
        catch_exceptions=False,
    )
    assert result.exit_code == 1
    shown = repr(link.strip("<>").replace(" ", "%20"))
    problem = (
        f"content/en/linked.yaml:{line}: call_us[1].text: link {shown} is not allowed: "
        "links must start with https://, mailto: or tel:"
    )
    assert [line for line in result.output.splitlines() if "linked.yaml" in line] == (
        [f"Error: {problem}"] if command == "build" else [f"error   {problem}"]
    )
    assert not out.exists()


def test_allowed_links_still_print():
    html = markdown_block("[Site](https://example.org/) [Mail](mailto:a@example.org) [Phone](tel:+15555550100)")
    assert html.count("<a href=") == 3


@pytest.mark.parametrize("link", ["../x.pdf", "file:///etc/passwd", "http://example.org/"])
def test_a_refused_link_that_reaches_the_page_is_text(link):
    assert "<a " not in markdown_block(f"[x]({link})")


# --- The front desk's access log ---------------------------------------------------------------------


def test_an_encoded_newline_in_the_path_cannot_forge_a_log_line(library_project, caplog):
    client = create_app(library_project).test_client()
    caplog.set_level(logging.INFO, logger="handouts.serve")
    forged = "/x%0D%0A2026-01-01 handouts.serve POST /pdf 200%1B[2J%E2%80%AE"
    assert client.get(forged).status_code == 404
    [line] = [record.getMessage() for record in caplog.records if record.name == "handouts.serve"]
    assert line == "GET /x\\r\\n2026-01-01 handouts.serve POST /pdf 200\\x1b[2J\\u202e 404"
    assert line.isprintable()


def test_output_to_a_pipe_is_written_in_place_not_replaced(run, tmp_path):
    """`-o` naming a FIFO (or /dev/stdout) writes into it; an atomic rename would put a regular
    file in its place (as root, even over /dev/full or /dev/stdout)."""
    fifo = tmp_path / "printer"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        run("build", "pain-diary", "-o", fifo)
        received = b""
        while chunk := os.read(reader, 1 << 16):
            received += chunk
    except BlockingIOError:
        pass
    finally:
        os.close(reader)
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert received.startswith(b"%PDF") and b"%%EOF" in received[-1024:]


PATIENT_BUILD = ["build", "epidural-steroid-injection", "--patient", "Jane Testpatient"]


def test_a_personalised_handout_never_goes_into_the_output_folder(clinic_project, tmp_path):
    """`-o output/en/x.pdf` with a patient's name put protected health information in the output
    folder (and over a built handout); it is refused before anything is rendered, also through a link."""
    out = tmp_path / "out"
    (out / "en").mkdir(parents=True)
    (tmp_path / "link").symlink_to(out)
    for target in [out / "en" / "epidural-steroid-injection.pdf", tmp_path / "link" / "x.pdf"]:
        result = CliRunner().invoke(
            cli,
            [*PATIENT_BUILD, "--project", str(clinic_project), "--out", str(out), "-o", str(target)],
        )
        assert result.exit_code == 1, result.output
        assert (
            result.output == f"Error: {target}: inside {out}, which -o never writes into (write the file elsewhere)\n"
        )
    assert list(out.rglob("*")) == [out / "en"]


def test_o_never_writes_into_built_handouts_wherever_it_runs_from(clinic_project, tmp_path, monkeypatch):
    """The project's output folder is kept when the command runs from elsewhere (where `--out` means
    another folder), and any folder of built handouts (it holds the build's manifest) is kept too."""
    built = tmp_path / "printed-last-year"
    (built / "en").mkdir(parents=True)
    (built / MANIFEST_FILE).write_text("{}", encoding="utf-8")
    monkeypatch.chdir(built / "en")
    for target, kept in [
        (clinic_project / "output" / "en" / "x.pdf", clinic_project / "output"),
        (Path("x.pdf"), None),
    ]:
        result = CliRunner().invoke(cli, [*PATIENT_BUILD, "--project", str(clinic_project), "-o", str(target)])
        assert result.exit_code == 1, result.output
        expected = (
            f"inside {kept}, which -o never writes into (write the file elsewhere)"
            if kept
            else f"inside {built}, a folder of built handouts; -o writes elsewhere"
        )
        assert result.output == f"Error: {target}: {expected}\n"
    assert not (clinic_project / "output").exists() and not (built / "en" / "x.pdf").exists()


def test_o_checks_again_when_writing_and_writes_where_a_link_leads(tmp_path):
    """Making a packet takes seconds: a file that appears meanwhile is checked again before it is
    replaced. A link (like /dev/stdout sent to a file) is followed, never replaced by a file."""
    notes, real, link = tmp_path / "notes.txt", tmp_path / "real.pdf", tmp_path / "latest.pdf"
    notes.write_text("appeared while the PDF was made\n", encoding="utf-8")
    with pytest.raises(OutputError, match="exists and is not a PDF"):
        write_output(notes, b"%PDF-1.7 new", kept=[])
    assert notes.read_text(encoding="utf-8") == "appeared while the PDF was made\n"
    real.write_bytes(b"%PDF-1.7 old")
    link.symlink_to(real)
    write_output(link, b"%PDF-1.7 new", kept=[])
    assert link.is_symlink() and real.read_bytes() == b"%PDF-1.7 new"


def test_an_impossible_o_name_is_one_error_line(tmp_path):
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    for name, reason in [(loop, "Symlink loop"), (tmp_path / ("a" * 300 + ".pdf"), "File name too long")]:
        result = CliRunner().invoke(cli, ["review-report", "-o", str(name)])
        assert result.exit_code == 1
        assert result.output.startswith(f"Error: {name}: cannot use this name (") and reason in result.output


@pytest.mark.parametrize(
    "own", ["clinic.yaml", "approvals.yaml", "content/en/x.pdf", "templates/x.html", "assets/logo.svg"]
)
@pytest.mark.parametrize("command", [["build", "pain-diary"], ["review-report"]])
def test_o_never_replaces_the_projects_own_files(clinic_project, own, command):
    (clinic_project / own).parent.mkdir(parents=True, exist_ok=True)
    if not (clinic_project / own).exists():
        (clinic_project / own).write_text("kept\n", encoding="utf-8")
    before = {path: path.read_bytes() for path in clinic_project.rglob("*") if path.is_file()}
    result = CliRunner().invoke(cli, [*command, "--project", str(clinic_project), "-o", str(clinic_project / own)])
    assert result.exit_code == 1, result.output
    assert result.output.startswith(f"Error: {clinic_project / own}: ") and "-o never" in result.output
    assert {path: path.read_bytes() for path in clinic_project.rglob("*") if path.is_file()} == before


@pytest.mark.parametrize(
    "command, existing, kind",
    [
        (["build", "pain-diary"], b"Call Dr. Lee back on Monday\n", "a PDF"),
        (["review-report"], b"%PDF-1.7 a handout printed earlier", "an HTML page"),
    ],
)
def test_o_never_replaces_a_file_of_another_kind(clinic_project, tmp_path, command, existing, kind):
    target = tmp_path / "notes"
    target.write_bytes(existing)
    result = CliRunner().invoke(cli, [*command, "--project", str(clinic_project), "-o", str(target)])
    assert result.exit_code == 1, result.output
    assert result.output == f"Error: {target}: exists and is not {kind}; not replaced (choose another name)\n"
    assert target.read_bytes() == existing


@pytest.mark.skipif(os.geteuid() != 0, reason="making a device node needs root")
def test_o_never_writes_to_a_disk(tmp_path):
    """A FIFO or /dev/stdout is written in place; a disk device is refused (as root, a typo like
    `-o /dev/sdb` would have overwritten the disk). The node points at a loop device that is not set
    up, so even a write that got through could not reach a disk."""
    disk = tmp_path / "sdz"
    os.mknod(disk, stat.S_IFBLK | 0o600, os.makedev(7, 250))
    result = CliRunner().invoke(cli, ["review-report", "-o", str(disk)])
    assert result.exit_code == 1
    assert result.output == f"Error: {disk}: a disk; -o never writes to one\n"


def test_o_naming_a_folder_is_one_error_line():
    result = CliRunner().invoke(cli, ["review-report", "-o", ""])
    assert result.exit_code == 1
    assert result.output == "Error: .: a folder; -o names a file\n"


def test_o_replaces_the_same_kind_of_file_or_an_empty_one(run, tmp_path):
    earlier, empty = tmp_path / "earlier.html", tmp_path / "empty.pdf"
    earlier.write_text("<!DOCTYPE html><p>last week's report</p>", encoding="utf-8")
    empty.touch()
    run("review-report", "-o", earlier)
    run("build", "pain-diary", "-o", empty)
    assert "last week" not in earlier.read_text(encoding="utf-8")
    assert empty.read_bytes().startswith(b"%PDF-")


@pytest.mark.skipif(not Path("/dev/full").is_char_device(), reason="needs /dev/full")
@pytest.mark.parametrize("command", sample([["build", "pain-diary", "-o", "-"], ["review-report", "-o", "-"]], keep=1))
def test_a_full_disk_on_standard_output_is_an_error_line(command):
    with open("/dev/full", "wb") as full:
        result = subprocess.run(
            [sys.executable, "-m", "handouts", *command], cwd=REPO, stdout=full, stderr=subprocess.PIPE, text=True
        )
    assert result.returncode == 1, result.stderr
    assert result.stderr.strip() == "Error: -: cannot write it (No space left on device)"
    assert not (REPO / "-").exists()


SVG_OPEN = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">'


@pytest.mark.parametrize(
    "drawing, message",
    [
        pytest.param(SVG_OPEN + "<g>" * 5000 + "</g>" * 5000 + "</svg>", "nested more than 32 levels deep", id="deep"),
        pytest.param(SVG_OPEN + '<rect width="1" height="1"/>' * 40_000 + "</svg>", "too large", id="huge"),
    ],
)
def test_a_deep_or_huge_picture_is_one_clear_error(clinic_project, drawing, message):
    """Nesting thousands deep crashed the SVG writer (RecursionError); a 56 MB icon took 5 GB."""
    write(clinic_project, "assets/icons/shower.svg", drawing)
    result = CliRunner().invoke(
        cli,
        ["build", "epidural-steroid-injection", "--project", str(clinic_project), "-o", str(clinic_project / "x.pdf")],
    )
    assert result.exit_code == 1, result.output
    assert result.output.startswith("Error: assets/icons/shower.svg: ") and message in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not (clinic_project / "x.pdf").exists()


def test_a_huge_logo_is_refused_before_weasyprint_reads_it(clinic_project):
    """An 8 MB SVG logo made every build take 40 s and 1.2 GB."""
    write(clinic_project, "assets/logo.svg", SVG_OPEN + '<rect width="1" height="1"/>' * 20_000 + "</svg>")
    result = CliRunner().invoke(cli, ["list", "--project", str(clinic_project)])
    assert result.exit_code == 1
    assert result.output == "Error: clinic.yaml: assets/logo.svg: logo too large (over 512 KB)\n"


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_an_approval_date_out_of_range_is_an_error_line(clinic_project, day):
    """9999-12-31 crashed computing the next review (year 10000); year 1 made a sign-off due for
    review since year 2."""
    result = CliRunner().invoke(
        cli, ["approve", "pain-diary", "--by", "A. Lee, MD", "--date", day, "--project", str(clinic_project)]
    )
    assert result.exit_code == 1
    assert result.output == "Error: --date: not a year from 2000 to 2099\n"
    assert not (clinic_project / "approvals.yaml").exists()


def test_a_template_nested_thousands_deep_is_one_error_line(clinic_project):
    """3,000 nested `{% if %}` in an override template gave a RecursionError traceback."""
    nested = "{% if 1 %}" * 3000 + "{% endif %}" * 3000
    write(clinic_project, "templates/handout.html", '{% extends "builtin/handout.html" %}' + nested)
    result = CliRunner().invoke(
        cli, ["build", "pain-diary", "--project", str(clinic_project), "-o", str(clinic_project / "x.pdf")]
    )
    assert result.exit_code == 1, result.output
    assert result.output.startswith("Error: ") and "nested too deeply" in result.output
    assert not (clinic_project / "x.pdf").exists()


@pytest.fixture
def outside_file(tmp_path) -> Path:
    """A file outside the project whose text must never reach a PDF."""
    return write(tmp_path, "elsewhere/secret.txt", "title: Secret words from another folder\n")


@pytest.mark.parametrize(
    "link, message",
    [
        ("content/en/pain-diary.yaml", "Error: content/en/pain-diary.yaml: a link to a file outside the project"),
        ("templates/handout.html", "Error: templates/handout.html: a link to a file outside the project"),
    ],
)
def test_a_link_out_of_the_project_is_refused(clinic_project, outside_file, link, message):
    """A linked template printed /etc/passwd into the PDF; a linked content file was read as the handout."""
    (clinic_project / link).parent.mkdir(parents=True)
    (clinic_project / link).symlink_to(outside_file)
    output = clinic_project / "x.pdf"
    result = CliRunner().invoke(cli, ["build", "pain-diary", "--project", str(clinic_project), "-o", str(output)])
    assert result.exit_code == 1, result.output
    assert result.output.startswith(message)
    assert not output.exists()


@pytest.mark.warnings_expected  # the linked file is named in the log
def test_a_content_link_out_of_the_project_is_left_off_the_front_page(clinic_project, outside_file):
    (clinic_project / "content/en").mkdir(parents=True)
    (clinic_project / "content/en/pain-diary.yaml").symlink_to(outside_file)
    client = create_app(open_project(clinic_project)).test_client()
    page = client.get("/").get_data(as_text=True)
    assert "<li>content/en/pain-diary.yaml: a link to a file outside the project" in page
    assert "Epidural steroid injection" in page and "Secret words" not in page


def test_an_override_template_cannot_reach_python(clinic_project):
    """A project's template could read Python's internals, and from there run any command."""
    write(clinic_project, "templates/handout.html", '{{ cycler.__init__.__globals__.os.popen("id").read() }}')
    output = clinic_project / "x.pdf"
    result = CliRunner().invoke(cli, ["build", "pain-diary", "--project", str(clinic_project), "-o", str(output)])
    assert result.exit_code == 1, result.output
    assert result.output == (
        "Error: templates/handout.html:1: template error: access to attribute '__init__' of 'type' object is unsafe.\n"
    )
    assert not output.exists()


@pytest.mark.parametrize("command", [["list", "--project"], ["build", "--all", "--project"], ["init"]])
def test_a_folder_name_too_long_is_an_error_line(tmp_path, command):
    """A name longer than the file system allows gave an OSError traceback."""
    folder = tmp_path / ("b" * 1000)
    result = CliRunner().invoke(cli, [*command, str(folder)])
    assert result.exit_code == 1, result.output
    assert result.output.startswith(f"Error: {folder}: cannot ") and "(File name too long)" in result.output


@pytest.mark.parametrize("value", ["true", '"8"', "8.0"])
def test_a_policy_number_must_be_written_as_a_number(clinic_project, value):
    """`arrive_minutes_before: true` printed "arrive 1 minute before"."""
    clinic = clinic_project / "clinic.yaml"
    text = clinic.read_text(encoding="utf-8")
    clinic.write_text(re.sub(r"(?m)^  arrive_minutes_before: 30", f"  arrive_minutes_before: {value}", text, count=1))
    result = CliRunner().invoke(cli, ["list", "--project", str(clinic_project)])
    assert result.exit_code == 1, result.output
    assert "policies.arrive_minutes_before: expected a whole number" in result.output


@pytest.mark.slow
def test_a_huge_content_file_is_refused_in_bounded_memory(clinic_project):
    """The manifest hashed a content file in one read: a 2 GB file took 2 GB of memory in `build --all`."""
    huge = clinic_project / "content/en/huge.yaml"
    huge.parent.mkdir(parents=True)
    with huge.open("wb") as file:
        file.truncate(1536 * 1024 * 1024)  # sparse: no disk space used
    (clinic_project / "clinic.yaml").write_text(
        (clinic_project / "clinic.yaml").read_text(encoding="utf-8").replace("logo: assets/logo.svg\n", ""),
        encoding="utf-8",
    )
    result = run_limited(
        f"""
        import sys
        from click.testing import CliRunner
        from handouts.cli import cli
        result = CliRunner().invoke(cli, ["build", "--all", "--jobs", "1", "--project", {str(clinic_project)!r}])
        sys.stdout.write(result.output)
        sys.exit(result.exit_code)
        """,
        memory_mb=1024,
        seconds=300,
    )
    assert result.returncode == 1, result.stderr[-2000:]
    assert (
        "Error: en/huge: content/en/huge.yaml:1: file too large: passes the 64 KB limit on this line" in result.stdout
    )
    assert "Traceback" not in result.stdout + result.stderr


@pytest.mark.warnings_expected
def test_a_pipe_in_place_of_the_manifest_does_not_block_the_build(tmp_path, caplog):
    """A FIFO named .handouts-manifest.json made every build wait forever for a writer."""
    out = tmp_path / "output"
    out.mkdir()
    os.mkfifo(out / MANIFEST_FILE)
    caplog.set_level(logging.WARNING, logger="handouts")
    found: list[dict] = []
    reader = threading.Thread(target=lambda: found.append(Manifest(out).entries), daemon=True)
    reader.start()
    reader.join(timeout=10)
    blocked = reader.is_alive()
    if blocked:  # release the reader, so that the test itself ends
        os.close(os.open(out / MANIFEST_FILE, os.O_WRONLY | os.O_NONBLOCK))
        reader.join(timeout=10)
    assert not blocked
    assert found == [{}]
    assert warnings_of(caplog) == [f"{out / MANIFEST_FILE} is unreadable: rebuilding everything"]


def test_the_approver_name_prints_without_control_or_direction_characters(clinic_project):
    """`--by` prints in every footer: a right-to-left override reversed it on paper."""
    by = "\u202eA. Lee,\x07 MD"
    arguments = ["pain-diary", "--lang", "en", "--by", by, "--date", "2026-03-02", "--project", str(clinic_project)]
    result = CliRunner().invoke(cli, ["approve", *arguments])
    assert result.exit_code == 0, result.output
    approvals = yaml.safe_load((clinic_project / "approvals.yaml").read_text(encoding="utf-8"))
    assert approvals["approvals"]["pain-diary"]["en"]["approved_by"] == "A. Lee, MD"
