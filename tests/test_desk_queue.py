"""The front desk's queue with a deadline: a burst of desks waits its turn instead of hearing "busy",
and a packet that cannot start within the deadline is refused with the time to try again. The queue
is the pool's own; the work held in it is the test's (no worker process starts here)."""

import pickle
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from handouts.errors import ContentError, Problem, UnknownHandoutError
from handouts.server import create_app
from handouts.visit import UnprintableError, VisitError
from handouts.web.pool import Busy, RenderPool

from conftest import form_token


class Desks:
    """Packets held in a queue for `seconds` each, counting how many held a worker at once."""

    def __init__(self, queue, seconds: float):
        self.queue = queue
        self.seconds = seconds
        self.holding = 0
        self.most = 0
        self.lock = threading.Lock()

    def packet(self, handouts: int = 1) -> str:
        try:
            with self.queue.turn(handouts):
                with self.lock:
                    self.holding += 1
                    self.most = max(self.most, self.holding)
                time.sleep(self.seconds)
                with self.lock:
                    self.holding -= 1
        except Busy:
            return "busy"
        return "made"


def test_a_burst_of_more_than_twice_the_workers_waits_its_turn(library_project):
    queue = RenderPool(library_project.root, workers=2).queue  # the server's defaults
    desks = Desks(queue, seconds=0.05)
    start = threading.Barrier(10)

    def press() -> str:
        start.wait()
        return desks.packet()

    with ThreadPoolExecutor(max_workers=10) as pool:
        answers = [pool.submit(press) for _ in range(10)]
    assert [answer.result() for answer in answers] == ["made"] * 10
    assert desks.most == 2  # two workers, never more at once
    assert queue.packets == 0


def held(queue, handouts: int) -> tuple[threading.Event, threading.Thread]:
    """A packet of `handouts` holding the queue's one worker until the event is set."""
    release, holding = threading.Event(), threading.Event()

    def hold() -> None:
        with queue.turn(handouts):
            holding.set()
            release.wait(30)

    thread = threading.Thread(target=hold)
    thread.start()
    holding.wait(5)
    return release, thread


def test_a_packet_that_could_not_start_in_time_is_refused_at_once_with_a_time_to_retry(library_project):
    queue = RenderPool(library_project.root, workers=1, queue_seconds=1).queue
    release, thread = held(queue, handouts=5)  # about 5 seconds of work ahead, at the first guess of 1 s each
    try:
        began = time.monotonic()
        with pytest.raises(Busy, match="busy") as refused, queue.turn(1):
            pass
        assert time.monotonic() - began < 0.5 and refused.value.retry_after == 4
    finally:
        release.set()
        thread.join()


def test_a_packet_still_waiting_at_the_deadline_is_refused_then(library_project):
    queue = RenderPool(library_project.root, workers=1, queue_seconds=1).queue
    release, thread = held(queue, handouts=1)  # 1 second ahead: the next one is taken in
    try:
        began = time.monotonic()
        assert Desks(queue, 0).packet() == "busy"
        assert 1 <= time.monotonic() - began < 2 and queue.packets == 1
    finally:
        release.set()
        thread.join()
    assert Desks(queue, 0).packet() == "made"


def test_the_page_answers_503_with_retry_after_beyond_the_deadline(library_project):
    pool = RenderPool(library_project.root, workers=1, queue_seconds=1)
    client = create_app(library_project, pool=pool).test_client()
    token = form_token(client)
    release, thread = held(pool.queue, handouts=5)
    try:
        response = client.post("/pdf", data={"slug": "pain-diary", "language": "en", "csrf_token": token})
    finally:
        release.set()
        thread.join()
    assert response.status_code == 503 and response.headers["Retry-After"] == "4"
    assert "The front desk is busy making other PDFs" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (Busy("The front desk is busy.", retry_after=7), 503),
        (ContentError([Problem("content/en/x.yaml", 3, "title: missing"), "a problem with no place"]), 422),
        (UnknownHandoutError("no-such-handout: no such handout"), 400),
        (VisitError("procedure date: not a date"), 400),
        (UnprintableError("patient name: this name has characters we cannot print"), 422),
    ],
)
def test_an_error_crosses_from_a_worker_whole_with_its_status(error, status):
    """What a render worker raises reaches the page as it was: type, message, fields, status."""
    crossed = pickle.loads(pickle.dumps(error))
    assert type(crossed) is type(error) and str(crossed) == str(error) and crossed.status == status
    assert vars(crossed) == vars(error)
