"""Speed of handouts, as ratios against baselines measured in the same run (machines are noisy).

    make bench            # or: .venv/bin/python benchmarks/run.py [--quick] [--handouts N] [--markdown]

Measures the checkout this file lives in (it goes first on PYTHONPATH) and prints one table: each
figure, its target, and PASS or FAIL against it. Sections: the whole set (`build --all --force`:
CPU, ms per page, the floor and the ratio to it); one `weasyprint` process per file against our
build; `check` before and after a build against a one-process build; no-op build, `list` and a cold
single build; the front desk (warm render, 10 tabs x 20 PDFs against a 1-worker pool, memory over
1,000 renders); a 12-handout visit packet against its handouts one by one; a kept-open Chromium printing the same HTML; byte-identical PDFs, page counts and
size per page. `--quick` runs every section on 2 handouts with small samples (about a minute).
"""

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from front_desk import FrontDesk
from peers import chromium_ms, weasyprint_loop

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
HANDOUTS = [str(BIN / "handouts")] if (BIN / "handouts").exists() else [sys.executable, "-m", "handouts"]
SLUG = "epidural-steroid-injection"
QUICK_SLUGS = [SLUG, "pain-diary"]
MANIFEST = ".handouts-manifest.json"


@dataclass(frozen=True)
class Row:
    measure: str
    figure: str
    target: str = ""
    holds: bool | None = None  # None: no target

    @property
    def verdict(self) -> str:
        return "" if self.holds is None else "PASS" if self.holds else "FAIL"


@dataclass(frozen=True)
class Run:
    wall: float
    cpu: float  # user + system seconds of the process and every child it waited for
    stdout: str


def run(command: list[str], cwd: Path = REPO, ok: tuple[int, ...] = (0,)) -> Run:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, env=ENV, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode not in ok:
        sys.exit(f"{' '.join(command)} exited {result.returncode}:\n{result.stderr}")
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return Run(wall, cpu, result.stdout)


def median_wall(command: list[str], times: int, cwd: Path = REPO) -> float:
    return statistics.median(run(command, cwd).wall for _ in range(times))


def outputs(out: Path) -> dict[str, dict]:
    return json.loads((out / MANIFEST).read_text())["outputs"]


def standard_print_clinic(folder: Path) -> Path:
    """The example clinic, standard print only: what `handouts check` lays out."""
    (folder / "assets").mkdir(parents=True)
    shutil.copy(REPO / "assets/logo.svg", folder / "assets/logo.svg")
    clinic = (REPO / "clinic.yaml").read_text(encoding="utf-8")
    standard = clinic.replace("print_sizes: [standard, large]", "print_sizes: [standard]")
    (folder / "clinic.yaml").write_text(standard, encoding="utf-8")
    return folder


def no_op_imports_weasyprint(selection: list[str], out: Path) -> bool:
    probe = (
        "import sys; from handouts.cli import cli\n"
        f"sys.argv = ['handouts', 'build', *{selection!r}, '--out', {str(out)!r}]\n"
        "try:\n    cli()\nexcept SystemExit:\n    print('weasyprint' in sys.modules)"
    )
    return run([sys.executable, "-c", probe]).stdout.strip().endswith("True")


def set_rows(options, slugs: list[str], selection: list[str], work: Path) -> list[Row]:
    """The whole set: CPU, ms per page, the floor; byte-identical builds, pages, size; no-op and cold."""
    build = [*HANDOUTS, "build", *selection, "--force"]
    parallel_out, sequential_out = work / "parallel", work / "sequential"
    parallel = run([*build, "--jobs", str(options.jobs), "--out", str(parallel_out)])
    sequential = run([*build, "--jobs", "1", "--out", str(sequential_out)])
    built = outputs(parallel_out)
    pages = sum(entry["pages"] for entry in built.values())
    identical = all((parallel_out / name).read_bytes() == (sequential_out / name).read_bytes() for name in built)
    standard_pages = max(entry["pages"] for name, entry in built.items() if "/large-print/" not in name)
    size = sum((parallel_out / name).stat().st_size for name in built) / pages / 1024
    warm = json.loads(
        run(
            [
                sys.executable,
                str(REPO / "benchmarks/warm.py"),
                "--slugs",
                ",".join(slugs),
                "--html-dir",
                str(work / "html"),
                "--sample",
                str(options.chromium_files),
            ]
        ).stdout
    )
    floor_ratio = warm["ms_per_page"] / warm["floor_ms_per_page"]
    cpu_per_page = sequential.cpu * 1000 / pages
    no_op = median_wall([*HANDOUTS, "build", *selection, "--out", str(parallel_out)], options.repeats)
    imported = no_op_imports_weasyprint(selection, parallel_out)
    listing = median_wall([*HANDOUTS, "list"], options.repeats)
    cold = median_wall([*HANDOUTS, "build", SLUG, "-o", str(work / "one.pdf")], options.repeats)
    rows = [
        Row(
            "whole set, build --force",
            f"{len(built)} PDFs, {pages} pages: {parallel.wall:.1f} s on {options.jobs} "
            f"processes, {sequential.wall:.1f} s on 1",
        ),
        Row(
            "  CPU, one-process build",
            f"{sequential.cpu:.1f} s = {cpu_per_page:.0f} ms per page",
            "<= 55 ms a page",
            cpu_per_page <= 55,
        ),
        Row("  CPU, build on the pool", f"{parallel.cpu:.1f} s = {parallel.cpu * 1000 / pages:.0f} ms per page"),
        Row("  warm render, one process", f"{warm['ms_per_page']:.1f} ms CPU per page"),
        Row("  floor, one-line page x pages", f"{warm['floor_ms_per_page']:.1f} ms CPU per page"),
        Row("  ratio to the floor", f"{floor_ratio:.1f}x", "<= 6x", floor_ratio <= 6),
        Row("byte-identical PDFs, 2 builds", "yes" if identical else "NO", "identical", identical),
        Row(
            "page counts",
            f"{pages} pages; longest standard print: {standard_pages}",
            "<= 2 standard",
            standard_pages <= 2,
        ),
        Row("PDF size", f"{size:.1f} KB per page", "< 40 KB", size < 40),
        Row(
            "no-op build",
            f"{no_op:.2f} s, WeasyPrint {'imported' if imported else 'not imported'}",
            "< 0.25 s",
            no_op < 0.25,
        ),
        Row("handouts list", f"{listing:.2f} s", "< 0.25 s", listing < 0.25),
        Row("one cold single build", f"{cold:.2f} s", "< 1.2 s", cold < 1.2),
    ]
    return rows + peer_rows(options, slugs, work, warm, parallel.wall)


def peer_rows(options, slugs: list[str], work: Path, warm: dict, build_wall: float) -> list[Row]:
    """One `weasyprint` process per file against our build; a kept-open Chromium against our warm render."""
    html = work / "html"
    sampled = slugs[: options.weasyprint_handouts] if options.weasyprint_handouts else slugs
    files = sorted(path for path in html.glob("*.html") if path.name.split(".")[0] in sampled)
    naive = weasyprint_loop(BIN / "weasyprint", files)
    ours = build_wall
    if sampled != slugs:
        sample_out = work / "sample"
        ours = run(
            [*HANDOUTS, "build", *sampled, "--force", "--jobs", str(options.jobs), "--out", str(sample_out)]
        ).wall
    which = "every file" if sampled == slugs else f"a fixed sample of {len(sampled)} handout(s)"
    rows = [
        Row(
            f"weasyprint per file ({which})",
            f"{len(files)} files: {naive:.1f} s against our {ours:.1f} s "
            f"({options.jobs} processes): {naive / ours:.1f}x",
            ">= 10x",
            naive / ours >= 10,
        ),
        Row(
            "  the same, were pictures free",
            f"pictures are {warm['pictures_share']:.0%} of a warm render: "
            f"{naive / (ours * (1 - warm['pictures_share'])):.1f}x",
            "(what the pictures cost the ratio)",
        ),
    ]
    chromium = chromium_ms([html / name for name in warm["sample_ms"]])
    if isinstance(chromium, str):
        return [*rows, Row("kept-open Chromium, same HTML", f"not measured: {chromium}")]
    theirs, mine = sum(chromium.values()), sum(warm["sample_ms"].values())
    return [
        *rows,
        Row(
            f"kept-open Chromium, {len(chromium)} files",
            f"{theirs / len(chromium):.0f} ms a file against our warm "
            f"{mine / len(chromium):.0f} ms: {theirs / mine:.2f}x our time",
            "(peer; the issue saw 1.4x)",
        ),
    ]


def check_rows(options, selection: list[str], work: Path) -> list[Row]:
    """`check` with nothing built, and after a build, against a one-process build of the same PDFs."""
    clinic = standard_print_clinic(work / "clinic")
    check = [*HANDOUTS, "check", *[slug for slug in selection if slug != "--all"], "--jobs", str(options.jobs)]
    cold = run(check, clinic, ok=(0, 1)).wall  # 1: the library's drafts may carry reading-level errors
    build = run([*HANDOUTS, "build", *selection, "--force", "--jobs", "1"], clinic).wall
    after = run(check, clinic, ok=(0, 1)).wall
    return [
        Row(
            "check, nothing built",
            f"{cold:.1f} s = {cold / build:.2f} of a one-process build ({build:.1f} s)",
            "<= 0.5",
            cold / build <= 0.5,
        ),
        Row("check, after a build", f"{after:.1f} s = {after / build:.2f} of that build"),
    ]


def packet_rows(options) -> list[Row]:
    """A 12-handout visit packet (one tagged document) against the same handouts made one by one."""
    command = [sys.executable, str(REPO / "benchmarks/packet.py"), "--handouts", str(options.packet_handouts)]
    found = json.loads(run([*command, "--reps", str(options.repeats)]).stdout)
    ratio = found["ratio"]
    return [
        Row(
            f"packet of {found['handouts']} handouts, one document",
            f"{found['packet_s']:.2f} s CPU against {found['parts_s']:.2f} s one by one: {ratio:.2f}x",
            "<= 1.2x",
            ratio <= 1.2,
        )
    ]


DAY_CODES = ["64483", "64493", "20552", "64635", "27096", "62323", "64510", "20610"]
DAY_LANGUAGES = ["en", "es", "", "vi"]


def synthetic_day(patients: int) -> str:
    """A CSV schedule of invented patients, from 7:00 every 10 minutes, codes and languages in turn."""
    rows = ["patient,date,time,code,procedure,language,physician,location"]
    for number in range(patients):
        clock = f"{7 + number // 6:02d}:{number % 6 * 10:02d}"
        code, language = DAY_CODES[number % len(DAY_CODES)], DAY_LANGUAGES[number % len(DAY_LANGUAGES)]
        rows.append(f"Patient {number + 1},2026-12-08,{clock},{code},,{language},Dr. Lee,Suite 200")
    return "\n".join(rows) + "\n"


def visits_rows(options, work: Path) -> list[Row]:
    """`handouts visits`: a day's schedule to one print-ready PDF (the desk list and every packet)."""
    patients = 8 if options.quick else 40
    schedule = work / "day.csv"
    schedule.write_text(synthetic_day(patients), encoding="utf-8")
    made = run([*HANDOUTS, "visits", str(schedule), "-o", str(work / "day.pdf")])
    timed = patients == 40
    return [
        Row(
            f"visits: a {patients}-patient day, one PDF",
            f"{made.wall:.1f} s wall, {made.cpu:.1f} s CPU",
            "< 60 s" if timed else "",
            made.wall < 60 if timed else None,
        )
    ]


def front_desk_rows(options) -> list[Row]:
    desk = FrontDesk(HANDOUTS, REPO, ENV)
    median = desk.warm_median(options.warm_samples)
    workers = os.cpu_count() or 1
    every = desk.load(workers, options.clients, options.requests)
    one = desk.load(1, options.clients, options.requests)
    memory = desk.memory(options.renders)
    ratio = every.throughput / one.throughput
    start, peak, end = memory[0], max(memory), memory[-1]
    load = f"{options.clients} tabs x {options.requests}"
    return [
        Row("front desk, warm render", f"median {median:.3f} s ({options.warm_samples} PDFs)", "< 0.2 s", median < 0.2),
        Row(
            f"front desk, {load}, {workers} workers",
            f"{every.throughput:.2f} PDF/s, median {every.median:.2f} s, p95 {every.p95:.2f} s",
        ),
        Row("  busy answers (503)", f"{every.busy} of {every.pdfs + every.busy} answers", "none", every.busy == 0),
        Row("  p95 time to PDF", f"{every.p95:.2f} s (busy waits included)", "< 2.5 s", every.p95 < 2.5),
        Row(
            f"front desk, {load}, 1 worker",
            f"{one.throughput:.2f} PDF/s, median {one.median:.2f} s, p95 {one.p95:.2f} s, {one.busy} busy",
        ),
        Row("  throughput ratio", f"{ratio:.2f}x", ">= 1.8x", ratio >= 1.8),
        Row(
            f"server RSS over {options.renders} renders",
            f"start {start:.0f} MB, peak {peak:.0f} MB, end {end:.0f} MB",
            "flat: end <= start + 10%",
            end <= start * 1.1,
        ),
    ]


BUSY_LOAD = 0.5  # a load average above this: other work shares the CPUs, and the timed figures show it


def print_table(rows: list[Row], load: float) -> None:
    """The table, under a line that says the machine and its load average before the run began."""
    print(
        f"handouts benchmark, {date.today()}: {os.cpu_count()} CPUs, load average "
        f"{load:.1f}, Python {sys.version.split()[0]}"
    )
    if load > BUSY_LOAD:
        print(
            f"Not an idle machine (load average {load:.1f} > {BUSY_LOAD}): seconds and the ratios to one worker "
            "say more about the other work than about handouts; run again when `uptime` shows it idle."
        )
    for row in rows:
        print(f"{row.measure:<46}{row.figure:<82}{row.target:<28}{row.verdict}")


def print_markdown(rows: list[Row]) -> None:
    print("\n| measure | figure | target | |\n| --- | --- | --- | --- |")
    for row in rows:
        print(f"| {row.measure.strip()} | {row.figure} | {row.target} | {row.verdict} |")


def options_from(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="2 handouts, small samples: about a minute")
    parser.add_argument("--handouts", type=int, help="only the first N handouts (default: all; --quick: 2)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--weasyprint-handouts", type=int, help="time `weasyprint` on the first N handouts only")
    parser.add_argument("--chromium-files", type=int, help="files printed by Chromium (default 8; --quick: 2)")
    parser.add_argument("--clients", type=int, help="front desk: tabs printing at once (default 10; --quick: 4)")
    parser.add_argument("--requests", type=int, help="front desk: PDFs each tab prints (default 20; --quick: 3)")
    parser.add_argument("--renders", type=int, help="front desk: PDFs for the memory measure (default 1000)")
    parser.add_argument("--front-desk-only", action="store_true", help="only the front-desk measures")
    parser.add_argument("--markdown", action="store_true", help="also print the table in Markdown")
    options = parser.parse_args(argv)
    quick = options.quick
    defaults = {
        "chromium_files": 2 if quick else 8,
        "clients": 4 if quick else 10,
        "requests": 3 if quick else 20,
        "renders": 30 if quick else 1000,
        "weasyprint_handouts": 1 if quick else None,
    }
    for name, value in defaults.items():
        if getattr(options, name) is None:
            setattr(options, name, value)
    options.warm_samples = 5 if quick else 20
    options.packet_handouts = 4 if quick else 12
    options.repeats = 1 if quick else 3
    return options


def main() -> None:
    options = options_from()
    load = os.getloadavg()[0]  # before the run adds its own
    if options.front_desk_only:
        rows = front_desk_rows(options)
    else:
        listed = json.loads(run([*HANDOUTS, "list", "--json"]).stdout)
        slugs = [entry["slug"] for entry in listed]
        count = options.handouts or (2 if options.quick else None)
        if count:
            slugs = [slug for slug in QUICK_SLUGS if slug in slugs][:count] if count <= 2 else slugs[:count]
        selection = slugs if count else ["--all"]
        work = Path(tempfile.mkdtemp(prefix="handouts-bench-"))
        try:
            rows = [
                *set_rows(options, slugs, selection, work),
                *check_rows(options, selection, work),
                *packet_rows(options),
                *visits_rows(options, work),
                *front_desk_rows(options),
            ]
        finally:
            shutil.rmtree(work, ignore_errors=True)
    print_table(rows, load)
    if options.markdown:
        print_markdown(rows)


if __name__ == "__main__":
    main()
