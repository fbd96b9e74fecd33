"""Building the set: only what changed, on several processes, safe to interrupt, failures isolated."""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from handouts.manifest import MANIFEST_FILE

from conftest import REPO, assert_no_warning_lines, handout_bookmarks, invoke, pdf_reader

SLUG = "epidural-steroid-injection"
SET = [
    "pain-diary",
    "why-see-a-pain-specialist",
]  # two handouts prove what the whole library would, at a tenth of the cost


def build_set(project: Path, *args: str, slugs: list[str] = SET, jobs: int = 1):
    """`build` in process; on one process unless `jobs` says more: the tests of the pool ask for it, the
    others would only pay for starting one (every worker lays out its first page cold)."""
    return invoke("build", *slugs, "--project", project, "--out", project / "output", "--jobs", str(jobs), *args)


def pdfs(project: Path) -> dict[str, int]:
    """Each PDF with its inode: a rewritten file (written aside, then renamed) gets a new one."""
    out = project / "output"
    return {str(path.relative_to(out)): path.stat().st_ino for path in out.rglob("*.pdf")}


def rewritten(before: dict[str, int], after: dict[str, int]) -> list[str]:
    return sorted(name for name in after if before.get(name) != after[name])


def override(project: Path, relative: str, old: str, new: str) -> Path:
    path = project / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    text = (REPO / relative).read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.slow
def test_first_build_makes_every_handout_on_two_processes(clinic_project):
    result = build_set(clinic_project, jobs=2)
    assert result.exit_code == 0, result.output
    count = len(SET)
    assert result.output == f"Built {count} of {count} PDFs in {clinic_project / 'output'}/\n"
    assert len(pdfs(clinic_project)) == count
    umask = os.umask(0)
    os.umask(umask)
    modes = {path.stat().st_mode & 0o777 for path in (clinic_project / "output").rglob("*.pdf")}
    assert modes == {0o666 & ~umask}  # readable from a shared folder, as any new file would be
    index = (clinic_project / "output/index.html").read_text(encoding="utf-8")
    assert '<a href="en/pain-diary.pdf">Pain diary</a>' in index


def test_nothing_changed_renders_nothing(clinic_project):
    build_set(clinic_project)
    before = pdfs(clinic_project)
    result = build_set(clinic_project)
    assert result.output == f"All {len(before)} PDFs in {clinic_project / 'output'}/ are up to date.\n"
    assert rewritten(before, pdfs(clinic_project)) == []


@pytest.mark.slow
def test_no_op_rebuild_does_not_import_weasyprint(clinic_project):
    build_set(clinic_project)
    probe = (
        "import sys; from handouts.cli import cli; sys.argv = ['handouts', 'build', *" + repr(SET) + ", '--project', "
        f"{str(clinic_project)!r}, '--out', {str(clinic_project / 'output')!r}]\n"
        "try:\n    cli()\nexcept SystemExit as exit:\n"
        "    print(exit.code, *(name in sys.modules for name in ('weasyprint', 'jinja2', 'markdown_it', 'coloraide')))"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout == "0 False False False False\n"  # nothing to render: no PDF, template or Markdown code
    assert_no_warning_lines(result.stderr)


def test_unchanged_index_page_is_left_alone_and_a_changed_one_made_again(clinic_project):
    build_set(clinic_project)
    index = clinic_project / "output/index.html"
    made, inode = index.read_bytes(), index.stat().st_ino
    build_set(clinic_project)
    assert index.stat().st_ino == inode
    index.write_text("edited by hand", encoding="utf-8")
    build_set(clinic_project)
    assert index.read_bytes() == made
    index.unlink()
    build_set(clinic_project)
    assert index.read_bytes() == made


def test_index_page_follows_its_template_and_the_clinic(clinic_project):
    build_set(clinic_project)
    override(clinic_project, "templates/index.html", "<h1>", "<h1>Front desk copy: ")
    build_set(clinic_project)
    write(
        clinic_project / "clinic.yaml", (clinic_project / "clinic.yaml").read_text().replace("name: ", "name: New ", 1)
    )
    build_set(clinic_project)
    index = (clinic_project / "output/index.html").read_text(encoding="utf-8")
    assert "<h1>Front desk copy: " in index
    assert "<title>New " in index


def test_index_page_follows_a_title_when_only_a_handout_changed(clinic_project):
    build_set(clinic_project)
    override(clinic_project, "content/en/pain-diary.yaml", "title: Pain diary", "title: My pain log")
    build_set(clinic_project)
    assert '<a href="en/pain-diary.pdf">My pain log</a>' in (clinic_project / "output/index.html").read_text()


def test_edited_content_file_rebuilds_only_that_handout_in_every_size(clinic_project):
    clinic = clinic_project / "clinic.yaml"
    clinic.write_text(clinic.read_text().replace("print_sizes: [standard]", "print_sizes: [standard, large]"))
    build_set(clinic_project)
    out = clinic_project / "output"
    pages = {name: str(len(pdf_reader((out / name).read_bytes()).pages)) for name in pdfs(clinic_project)}
    assert index_rows(out) == [  # by title, standard print after large
        (name, title, "English", size, library_version(slug), pages[name])
        for slug, title in [("pain-diary", "Pain diary"), (SET[1], "Why see a pain specialist?")]
        for name, size in [(f"en/large-print/{slug}.pdf", "Large print"), (f"en/{slug}.pdf", "Standard")]
    ]
    before = pdfs(clinic_project)
    override(clinic_project, f"content/en/{SET[1]}.yaml", "Bring a list", "Take a list")
    result = build_set(clinic_project)
    assert result.exit_code == 0, result.output
    assert rewritten(before, pdfs(clinic_project)) == [f"en/large-print/{SET[1]}.pdf", f"en/{SET[1]}.pdf"]


def library_version(slug: str) -> str:
    """The review version of a built-in English handout, as the index page prints it."""
    text = (REPO / "content" / "en" / f"{slug}.yaml").read_text(encoding="utf-8")
    return str(yaml.safe_load(text)["review"]["version"])


def index_rows(out: Path) -> list[tuple[str, ...]]:
    """The index page's table: link, then the text of each cell."""
    html = (out / "index.html").read_text(encoding="utf-8")
    rows = re.findall(
        r'<tr><td><a href="([^"]+)">([^<]+)</a></td><td>([^<]*)</td><td>([^<]*)</td>'
        r'<td class="number">([^<]*)</td><td class="number">([^<]*)</td></tr>',
        html,
    )
    headings = re.findall(r'<th scope="col">([^<]+)</th>', html)
    assert headings == ["Handout", "Language", "Print", "Version", "Pages"]
    return rows


def test_edited_shared_block_rebuilds_every_handout_of_that_language(clinic_project):
    build_set(clinic_project)
    before = pdfs(clinic_project)
    override(
        clinic_project, "content/en/_blocks.yaml", "Tell us if you are pregnant", "Please tell us if you are pregnant"
    )
    build_set(clinic_project)
    assert rewritten(before, pdfs(clinic_project)) == sorted(before)


def test_force_rebuilds_everything(clinic_project):
    build_set(clinic_project)
    before = pdfs(clinic_project)
    build_set(clinic_project, "--force")
    assert rewritten(before, pdfs(clinic_project)) == sorted(before)


def test_output_whose_content_is_gone_is_removed_and_unknown_files_are_kept(clinic_project):
    own = clinic_project / "content/en/parking.yaml"
    own.parent.mkdir(parents=True)
    own.write_text(
        "title: Parking\nkind: topic\nsummary: You can park behind the clinic.\n"
        "call_us: [You cannot find a place to park.]\n"
        "review: {version: 1, sources: [{title: Clinic, url: 'https://clinic.example/'}]}\n"
    )
    build_set(clinic_project, slugs=[*SET, "parking"])
    out = clinic_project / "output"
    keep = out / "en" / "notes-from-staff.pdf"
    keep.write_bytes(b"not ours")
    own.unlink()
    result = build_set(clinic_project)
    assert "removed 1 whose content is gone" in result.output
    assert not (out / "en/parking.pdf").exists()
    assert keep.read_bytes() == b"not ours"
    assert "en/parking.pdf" not in json.loads((out / MANIFEST_FILE).read_text())["outputs"]


@pytest.mark.slow
def test_one_broken_file_does_not_stop_the_others(clinic_project, library_project):
    override(clinic_project, "content/en/pain-diary.yaml", "title: ", "title:\n  - ")
    result = build_set(clinic_project, jobs=2, slugs=["--all"])
    assert result.exit_code == 1
    count = len(library_project.catalog())
    assert f"Built {count - 1} of {count} PDFs" in result.output
    assert "Error: en/pain-diary: content/en/pain-diary.yaml:1: title: " in result.output
    assert "en/pain-diary.pdf" not in pdfs(clinic_project) and len(pdfs(clinic_project)) == count - 1


def test_fail_fast_stops_at_the_first_failure(clinic_project, library_project):
    first = min(library_project.catalog())
    override(clinic_project, f"content/en/{first}.yaml", "title: ", "title:\n  - ")
    result = build_set(clinic_project, "--fail-fast", slugs=["--all"])
    assert result.exit_code == 1
    assert result.output.startswith("Built 0 of ")  # the broken handout comes first in the set
    assert pdfs(clinic_project) == {}


@pytest.mark.slow
def test_fail_fast_with_a_pool_stops_before_the_set_is_done(clinic_project, library_project):
    first = min(library_project.catalog())
    override(clinic_project, f"content/en/{first}.yaml", "title: ", "title:\n  - ")
    result = build_set(clinic_project, "--fail-fast", jobs=2, slugs=["--all"])
    assert result.exit_code == 1
    assert f"Error: en/{first}: " in result.output
    # renders already handed to a worker finish whole; the rest never start
    assert len(pdfs(clinic_project)) < len(library_project.catalog()) // 2


@pytest.mark.slow
def test_parallel_and_sequential_builds_give_the_same_bytes(clinic_project, tmp_path):
    folders = []
    for jobs in ("1", "2"):
        out = tmp_path / f"jobs-{jobs}"
        invoke("build", SLUG, "pain-diary", "--jobs", jobs, "--out", str(out), "--project", str(clinic_project))
        folders.append({path.name: path.read_bytes() for path in out.rglob("*.pdf")})
    assert folders[0] == folders[1] and len(folders[0]) == 2


def pool_build_command(project: Path, out: Path) -> list[str]:
    """`handouts build --all` on a pool of 2, in a process of its own (to interrupt or kill)."""
    return [
        sys.executable,
        "-m",
        "handouts",
        "build",
        "--all",
        "--jobs",
        "2",
        "--project",
        str(project),
        "--out",
        str(out),
    ]


@pytest.mark.slow
def test_interrupted_build_leaves_whole_files_and_the_next_build_finishes(clinic_project, library_project):
    out = clinic_project / "output"
    process = subprocess.Popen(pool_build_command(clinic_project, out), stderr=subprocess.PIPE, text=True)
    manifest = out / MANIFEST_FILE
    deadline = time.monotonic() + 120
    while not manifest.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert "Run the same command again to finish." in stderr
    assert_no_warning_lines(stderr)

    assert [path.name for path in out.rglob("*") if path.name.endswith(".part")] == []
    recorded = json.loads(manifest.read_text())["outputs"]
    assert 0 < len(recorded) < len(library_project.catalog())
    for name in recorded:
        assert len(pdf_reader((out / name).read_bytes()).pages) >= 1

    result = invoke("build", "--all", "--project", clinic_project, "--out", out)
    assert result.exit_code == 0, result.output
    assert len(pdfs(clinic_project)) == len(library_project.catalog())
    assert f"({len(recorded)} up to date)" in result.output
    assert os.path.getsize(manifest) > 0


def test_booklet_has_cover_contents_right_hand_starts_and_bookmarks(clinic_project):
    result = build_set(clinic_project, "--booklet")
    assert result.exit_code == 0, result.output
    out = clinic_project / "output"
    manifest = json.loads((out / MANIFEST_FILE).read_text())["outputs"]
    handouts = sorted(
        (entry["title"], entry["pages"])
        for name, entry in manifest.items()
        if name.startswith("en/") and name != "en/booklet.pdf"
    )
    reader = pdf_reader((out / "en/booklet.pdf").read_bytes())

    page, starts = 3, []  # cover on 1, contents on 2, each handout on the next odd page
    for _, pages in handouts:
        page += page % 2 == 0
        starts.append(page)
        page += pages
    assert len(reader.pages) == page - 1
    assert [(item.title, reader.get_destination_page_number(item) + 1) for item in handout_bookmarks(reader)] == [
        (title, start) for (title, _), start in zip(handouts, starts, strict=True)
    ]
    contents = " ".join(reader.pages[1].extract_text().split())
    for (title, _), start in zip(handouts, starts, strict=True):
        assert f"{title} {start}" in contents
    assert "Patient handouts" in reader.pages[0].extract_text()
    assert reader.trailer["/Root"]["/Lang"] == "en"
    assert "booklet.pdf" in (out / "index.html").read_text()
    assert build_set(clinic_project, "--booklet").output.startswith("All ")  # nothing changed, not remade

    booklet = (out / "en/booklet.pdf").stat().st_ino
    override(clinic_project, "content/en/pain-diary.yaml", "title: Pain diary", "title: My pain diary")
    result = build_set(clinic_project, "--booklet")
    assert f"Made {out / 'en/booklet.pdf'}" in result.output
    assert (out / "en/booklet.pdf").stat().st_ino != booklet
    reader = pdf_reader((out / "en/booklet.pdf").read_bytes())
    assert "My pain diary" in [item.title for item in handout_bookmarks(reader)]


FINGERPRINTED = {  # what the README says a rebuild looks at, each changed in a project of its own
    "labels": lambda project: write(project / "content/en/_labels.yaml", "summary: Key points\n"),
    "template": lambda project: write(project / "templates/handout.html", '{% extends "builtin/handout.html" %}\n'),
    "font": lambda project: shutil.copy(
        REPO / "assets/fonts/AtkinsonHyperlegible-Bold.ttf", project / "assets/fonts/AtkinsonHyperlegible-Regular.ttf"
    ),
    "logo": lambda project: write(project / "assets/logo.svg", (REPO / "assets/logo.svg").read_text() + "\n"),
    "clinic.yaml": lambda project: write(
        project / "clinic.yaml", (project / "clinic.yaml").read_text().replace("(555)", "(556)")
    ),
}


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.mark.parametrize("change", FINGERPRINTED)
def test_every_input_is_in_the_fingerprint(clinic_project, change):
    (clinic_project / "assets/fonts").mkdir(exist_ok=True)
    before = fingerprint(clinic_project)
    FINGERPRINTED[change](clinic_project)
    assert fingerprint(clinic_project) != before


def test_the_package_code_is_in_the_fingerprint(clinic_project, tmp_path, monkeypatch):
    from handouts import manifest

    before = fingerprint(clinic_project)
    package = tmp_path / "package"
    shutil.copytree(manifest.PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
    assert fingerprint(clinic_project, package) == before  # a copy of the same code: the same
    (package / "render.py").write_text((package / "render.py").read_text() + "\n# changed\n")
    assert fingerprint(clinic_project, package) != before


def fingerprint(project: Path, package: Path | None = None) -> str:
    """The fingerprint a build would record for pain-diary, in a fresh process' view of the project."""
    from handouts import manifest
    from handouts.project import open_project
    from handouts.targets import plan_targets

    opened = open_project(project)
    [target] = plan_targets(opened, ["pain-diary"], ["en"], "letter", ["standard"], project / "output")
    original = manifest.PACKAGE
    manifest.PACKAGE = package or original
    try:
        return manifest.Fingerprints(opened).of(target)
    finally:
        manifest.PACKAGE = original


@pytest.mark.slow
def test_pool_workers_exit_when_the_parent_is_killed(clinic_project):
    import psutil

    out = clinic_project / "output"
    process = subprocess.Popen(pool_build_command(clinic_project, out), stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not (out / MANIFEST_FILE).exists() and time.monotonic() < deadline:  # the workers are rendering
        time.sleep(0.05)
    workers = psutil.Process(process.pid).children()
    assert len(workers) == 2
    process.kill()
    process.wait()
    _, alive = psutil.wait_procs(workers, timeout=10)
    for worker in alive:
        worker.kill()
    assert alive == []
