"""Speed of handouts, as ratios against baselines measured in the same run (machines are noisy).

    make bench            # or: .venv/bin/python benchmarks/run.py [--jobs N]

Prints: the full-set build against a sequential loop in one process and against one `weasyprint`
command per file; a no-op rebuild; one cold build from a new process; peak memory and PDF size
per page; `handouts check` against a full build; and the front desk: warm render time, 10 tabs x 20
PDFs on one worker per core against the same on one worker (throughput ratio, median, p95), and
the RSS of the server with its workers over 1,000 renders.
"""

import argparse
import contextlib
import http.cookiejar
import json
import os
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil

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


@contextlib.contextmanager
def running_server(*args: str):
    """`handouts serve` on a free port; yields its URL and process."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([*HANDOUTS, "serve", "--port", str(port), *args], cwd=REPO,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(url + "/login", timeout=2)
                break
            except OSError:
                time.sleep(0.1)
        yield url, server
    finally:
        server.terminate()
        server.wait()


class Tab:
    """A front-desk browser tab: session cookie and CSRF token, the visit form of one patient."""

    def __init__(self, url: str):
        self.url = url
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        page = self.opener.open(url + "/", timeout=60).read().decode()
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        self.form = urllib.parse.urlencode({"slug": SLUG, "language": "en", "patient": "Bench Mark",
                                            "date": "2026-12-03", "arrive": "08:30", "csrf_token": token}).encode()

    def print_pdf(self) -> tuple[float, int]:
        """Seconds until the PDF arrived, and how many busy answers came first (retried at once)."""
        start, busy = time.perf_counter(), 0
        while True:
            try:
                with self.opener.open(self.url + "/pdf", data=self.form, timeout=120) as response:
                    response.read()
                return time.perf_counter() - start, busy
            except urllib.error.HTTPError as error:
                if error.code != 503:
                    raise
                busy += 1
                time.sleep(0.05)


def server_median(samples: int = 20) -> float:
    with running_server("--workers", "1") as (url, _):
        tab = Tab(url)
        tab.print_pdf()  # the first one waits for the worker to warm up
        return statistics.median(tab.print_pdf()[0] for _ in range(samples))


def front_desk_load(workers: int, clients: int, each: int) -> dict:
    """`clients` tabs at once, each printing `each` PDFs one after another."""
    with running_server("--workers", str(workers)) as (url, _):
        tabs = [Tab(url) for _ in range(clients)]
        tabs[0].print_pdf()  # warm
        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=clients) as pool:
            results = list(pool.map(lambda tab: [tab.print_pdf() for _ in range(each)], tabs))
        wall = time.perf_counter() - start
    times = sorted(seconds for result in results for seconds, _ in result)
    return {"throughput": len(times) / wall, "median": statistics.median(times),
            "p95": times[min(len(times) - 1, round(0.95 * len(times)) - 1)],
            "busy": sum(busy for result in results for _, busy in result)}


def tree_rss(process: psutil.Process) -> float:
    """MB resident in the server and its workers together."""
    total = 0
    for member in [process, *process.children(recursive=True)]:
        try:
            total += member.memory_info().rss
        except psutil.NoSuchProcess:  # a worker being replaced
            continue
    return total / 2**20


def front_desk_memory(renders: int) -> list[tuple[int, float]]:
    """RSS of the whole server after each tenth of `renders` personalised PDFs (4 tabs at once)."""
    samples = []
    with running_server() as (url, server):
        process = psutil.Process(server.pid)
        tabs = [Tab(url) for _ in range(4)]
        tabs[0].print_pdf()
        done = 0
        with ThreadPoolExecutor(max_workers=len(tabs)) as pool:
            while done < renders:
                step = max(len(tabs), renders // 10)
                list(pool.map(lambda number: tabs[number % len(tabs)].print_pdf(), range(step)))
                done += step
                samples.append((done, tree_rss(process)))
    return samples


def front_desk_rows(clients: int, each: int, renders: int) -> list[tuple[str, str, str]]:
    one = front_desk_load(1, clients, each)
    every = front_desk_load(os.cpu_count() or 1, clients, each)
    memory = front_desk_memory(renders)
    median = server_median()
    first, last = memory[0][1], memory[-1][1]
    return [
        ("front desk, warm render", f"median {median:.2f} s", "2-page handout with a visit, one client; target < 0.2 s"),
        (f"front desk, {clients} clients x {each}", f"{every['throughput']:.2f} PDF/s",
         f"median {every['median']:.2f} s, p95 {every['p95']:.2f} s, {every['busy']} busy answers retried"),
        ("  same, 1 worker", f"{one['throughput']:.2f} PDF/s",
         f"median {one['median']:.2f} s, p95 {one['p95']:.2f} s, {one['busy']} busy answers retried"),
        ("  ratio", f"{every['throughput'] / one['throughput']:.2f}x the throughput",
         f"target >= 1.8x on 2 cores ({os.cpu_count()} workers against 1)"),
        (f"front desk memory, {renders} renders", f"{first:.0f} MB -> {last:.0f} MB",
         "server and workers together, after each tenth: " + " ".join(f"{mb:.0f}" for _, mb in memory)),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--clients", type=int, default=10, help="front desk: tabs printing at once")
    parser.add_argument("--requests", type=int, default=20, help="front desk: PDFs each tab prints")
    parser.add_argument("--renders", type=int, default=1000, help="front desk: PDFs for the memory measure")
    parser.add_argument("--front-desk-only", action="store_true", help="only the front-desk measures")
    options = parser.parse_args()
    jobs = options.jobs
    front_desk = front_desk_rows(options.clients, options.requests, options.renders)
    if options.front_desk_only:
        print_rows(front_desk)
        return
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
        *front_desk,
    ]
    print_rows(rows)


def print_rows(rows: list[tuple[str, str, str]]) -> None:
    print(f"handouts benchmark: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    for name, figure, note in rows:
        print(f"{name:<32}{figure:<34}{note}")


if __name__ == "__main__":
    main()
