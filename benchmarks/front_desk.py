"""The front desk under measure: warm render time, many tabs at once, memory over many renders.

A tab that gets "busy" (503) does what the page does: it waits the `Retry-After` the server gave
(with a little jitter so tabs do not retry in step) and sends the form again, and it counts the busy
answers. The server queues a packet while it can start within its deadline, so under the load
measured here there should be none.
"""

import contextlib
import http.cookiejar
import random
import re
import socket
import statistics
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import psutil

SLUG = "epidural-steroid-injection"


@contextlib.contextmanager
def running_server(handouts: list[str], cwd: Path, env: dict, *args: str) -> Iterator[tuple[str, subprocess.Popen]]:
    """`handouts serve` on a free port; yields its URL and process."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [*handouts, "serve", "--port", str(port), *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
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
        fields = {"slug": SLUG, "language": "en", "patient": "Bench Mark", "date": "2099-12-03", "arrive": "08:30"}
        self.form = urllib.parse.urlencode({**fields, "csrf_token": token}).encode()

    def print_pdf(self) -> tuple[float, int]:
        """Seconds until the PDF arrived (waits included), and how many busy answers came first."""
        start, busy = time.perf_counter(), 0
        while True:
            try:
                with self.opener.open(self.url + "/pdf", data=self.form, timeout=300) as response:
                    response.read()
                return time.perf_counter() - start, busy
            except urllib.error.HTTPError as error:
                if error.code != 503:
                    raise
                busy += 1
                time.sleep(int(error.headers.get("Retry-After", "1")) * random.uniform(0.8, 1.2))


@dataclass(frozen=True)
class Load:
    throughput: float  # PDFs a second
    median: float
    p95: float
    busy: int  # busy answers (503), each followed by a retry
    pdfs: int


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


class FrontDesk:
    """Starts servers of one checkout (`handouts` command, working folder, environment)."""

    def __init__(self, handouts: list[str], cwd: Path, env: dict):
        self.server = lambda *args: running_server(handouts, cwd, env, *args)

    def warm_median(self, samples: int) -> float:
        """Median seconds for one personalised 2-page PDF, one client, one warm worker."""
        with self.server("--workers", "1") as (url, _):
            tab = Tab(url)
            tab.print_pdf()  # the first one waits for the worker to warm up
            return statistics.median(tab.print_pdf()[0] for _ in range(samples))

    def load(self, workers: int, clients: int, each: int) -> Load:
        """`clients` tabs at once, each printing `each` PDFs one after another."""
        with self.server("--workers", str(workers)) as (url, _):
            tabs = [Tab(url) for _ in range(clients)]
            for _ in range(workers):
                tabs[0].print_pdf()  # warm
            start = time.perf_counter()
            with ThreadPoolExecutor(max_workers=clients) as pool:
                results = list(pool.map(lambda tab: [tab.print_pdf() for _ in range(each)], tabs))
            wall = time.perf_counter() - start
        times = [seconds for result in results for seconds, _ in result]
        busy = sum(answers for result in results for _, answers in result)
        return Load(len(times) / wall, statistics.median(times), percentile(times, 0.95), busy, len(times))

    def memory(self, renders: int, tabs: int = 4) -> list[float]:
        """MB resident in the server and its workers together, sampled every 0.2 s while `renders`
        personalised PDFs are printed by `tabs` tabs at once (after one warm-up print)."""
        samples: list[float] = []
        with self.server() as (url, server):
            process = psutil.Process(server.pid)
            clients = [Tab(url) for _ in range(tabs)]
            clients[0].print_pdf()
            samples.append(tree_rss(process))
            done = threading.Event()

            def sample() -> None:
                while not done.wait(0.2):
                    samples.append(tree_rss(process))

            sampler = threading.Thread(target=sample)
            sampler.start()
            try:
                with ThreadPoolExecutor(max_workers=tabs) as pool:
                    list(pool.map(lambda number: clients[number % tabs].print_pdf(), range(renders)))
            finally:
                done.set()
                sampler.join()
            samples.append(tree_rss(process))
        return samples


def tree_rss(process: psutil.Process) -> float:
    """MB resident in the server and its workers together."""
    total = 0
    for member in [process, *process.children(recursive=True)]:
        try:
            total += member.memory_info().rss
        except psutil.NoSuchProcess:  # a worker being replaced
            continue
    return total / 2**20
