"""Speed of handouts, as ratios against baselines measured in the same run (machines are noisy).

    make bench            # or: .venv/bin/python benchmarks/run.py [--jobs N]

Prints: the full-set build against a sequential loop in one process and against one `weasyprint`
command per file; a no-op rebuild; one cold build from a new process; peak memory and PDF size
per page; `handouts check` against a full build; and the front-desk server's warm render time.
"""

import argparse
import json
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HANDOUTS = [str(BIN / "handouts")]
SLUG = "epidural-steroid-injection"


def timed(command: list[str], **options) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **options)
    return time.perf_counter() - start


def weasyprint_loop(out: Path) -> tuple[float, int]:
    """The naive way: one `weasyprint` process per file, on the same HTML the tool renders."""
    from handouts.maker import plan_targets
    from handouts.project import open_project
    from handouts.render import Renderer

    project = open_project(REPO)
    renderer = Renderer(project)
    targets = plan_targets(project, None, project.clinic.languages, project.clinic.page_size,
                   project.clinic.print_sizes, out)
    pages = []
    for number, target in enumerate(targets):
        page = out / f"{number}.html"
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(renderer.html(target.request), encoding="utf-8")
        pages.append(page)
    start = time.perf_counter()
    for page in pages:
        subprocess.run([str(BIN / "weasyprint"), str(page), str(page.with_suffix(".pdf"))], check=True,
                       stderr=subprocess.DEVNULL)
    return time.perf_counter() - start, len(pages)


def standard_print_clinic(folder: Path) -> Path:
    """The example clinic, standard print only: what `handouts check` measures."""
    (folder / "assets").mkdir(parents=True)
    shutil.copy(REPO / "assets/logo.svg", folder / "assets/logo.svg")
    clinic = (REPO / "clinic.yaml").read_text(encoding="utf-8")
    (folder / "clinic.yaml").write_text(clinic.replace("print_sizes: [standard, large]", "print_sizes: [standard]"),
                                        encoding="utf-8")
    return folder


def no_op_imports_weasyprint(out: Path) -> bool:
    probe = ("import sys; from handouts.cli import cli\n"
             f"sys.argv = ['handouts', 'build', '--all', '--out', {str(out)!r}]\n"
             "try:\n    cli()\nexcept SystemExit:\n    print('weasyprint' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=REPO)
    return result.stdout.strip() == "True"


def pdf_size_per_page(out: Path) -> float:
    outputs = json.loads((out / ".handouts-manifest.json").read_text())["outputs"]
    sizes = [(out / name).stat().st_size for name in outputs]
    pages = [entry["pages"] for entry in outputs.values()]
    return sum(sizes) / sum(pages)


def server_median(samples: int = 20) -> float:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([*HANDOUTS, "serve", "--port", str(port)], cwd=REPO,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(url + "/login", timeout=2)
                break
            except OSError:
                time.sleep(0.1)
        form = urllib.parse.urlencode({"slug": SLUG, "language": "en", "patient": "Bench Mark",
                                       "date": "2026-12-03", "arrive": "08:30"}).encode()
        times = []
        for _ in range(samples):
            start = time.perf_counter()
            with urllib.request.urlopen(url + "/pdf", data=form, timeout=60) as response:
                response.read()
            times.append(time.perf_counter() - start)
        return statistics.median(times)
    finally:
        server.terminate()
        server.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    jobs = parser.parse_args().jobs
    work = Path(tempfile.mkdtemp(prefix="handouts-bench-"))
    try:
        parallel_out, sequential_out = work / "parallel", work / "sequential"
        build = [*HANDOUTS, "build", "--all", "--force"]
        parallel = timed([*build, "--jobs", str(jobs), "--out", str(parallel_out)], cwd=REPO)
        peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        count = len(json.loads((parallel_out / ".handouts-manifest.json").read_text())["outputs"])
        sequential = timed([*build, "--jobs", "1", "--out", str(sequential_out)], cwd=REPO)
        naive, naive_count = weasyprint_loop(work / "naive")
        no_op = timed([*HANDOUTS, "build", "--all", "--out", str(parallel_out)], cwd=REPO)
        imported = no_op_imports_weasyprint(parallel_out)
        cold = timed([*HANDOUTS, "build", SLUG, "-o", str(work / "one.pdf")], cwd=REPO)
        standard_clinic = standard_print_clinic(work / "clinic")
        check_cold = timed([*HANDOUTS, "check"], cwd=standard_clinic)  # nothing built yet: lays out every page
        standard = timed([*build, "--jobs", "1"], cwd=standard_clinic)
        check_built = timed([*HANDOUTS, "check"], cwd=standard_clinic)  # page counts from output/
        median = server_median()
        per_page = pdf_size_per_page(parallel_out)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    assert naive_count == count, (naive_count, count)
    rows = [
        ("full set", f"{count} PDFs in {parallel:.1f} s on {jobs} processes", ""),
        ("  vs one process", f"{sequential:.1f} s", f"{sequential / parallel:.2f}x faster (target >= 1.8x on 2 cores)"),
        ("  vs weasyprint per file", f"{naive:.1f} s", f"{naive / parallel:.1f}x faster (target >= 10x)"),
        ("no-op rebuild", f"{no_op:.2f} s", f"target < 0.5 s; WeasyPrint imported: {'yes' if imported else 'no'}"),
        ("one cold build, new process", f"{cold:.2f} s", "target < 1.5 s"),
        ("peak memory of a build process", f"{peak_kb / 1024:.0f} MB", ""),
        ("PDF size", f"{per_page / 1024:.1f} KB per page", "target < 40 KB"),
        ("handouts check, nothing built", f"{check_cold:.1f} s",
         f"{check_cold / standard:.2f} of a one-process build of the same PDFs ({standard:.1f} s)"),
        ("handouts check, after a build", f"{check_built:.1f} s", f"{check_built / standard:.2f} of that build"),
        ("front desk, warm render", f"median {median:.2f} s", "2-page handout with a visit; target < 0.3 s"),
    ]
    print(f"handouts benchmark: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    for name, figure, note in rows:
        print(f"{name:<32}{figure:<34}{note}")


if __name__ == "__main__":
    main()
