"""The front desk's render pool on its own: packets, failures as messages, the busy answer, and
workers replaced after a set number of packets."""

import threading

import psutil
import pytest

from conftest import pdf_text
from handouts.errors import RenderError
from handouts.render import Request
from handouts.visit import Visit
from handouts.web.pool import Busy, ClientGone, RenderPool

pytestmark = pytest.mark.slow  # every test here starts worker processes


def workers() -> set[int]:
    return {child.pid for child in psutil.Process().children() if "spawn_main" in " ".join(child.cmdline())}


def request(slug="pain-diary", patient=""):
    return Request(slug, "en", "letter", visit=Visit.from_fields({"patient": patient}))


@pytest.fixture
def pool(library_project):
    running = RenderPool(library_project.root, workers=1, recycle_after=2)
    yield running
    running.close()


def test_a_worker_is_replaced_after_its_share_of_packets(pool):
    pool.start()  # one packet counted: the start-up task
    pool.packet([request()])
    first = workers()
    assert "Ada Quill" in pdf_text(pool.packet([request(patient="Ada Quill")]))
    assert len(workers()) == 1 and workers() != first


def test_a_broken_handout_comes_back_as_a_message(pool):
    with pytest.raises(RenderError, match="no such handout"):
        pool.packet([request("no-such-handout")])


def test_a_full_queue_answers_busy_at_once_and_a_gone_client_is_dropped(library_project):
    pool = RenderPool(library_project.root, workers=1, queue_limit=2)
    try:
        pool.start()
        slow = [request(slug) for slug in list(library_project.catalog())[:4]]
        results = {}
        first = threading.Thread(target=lambda: results.update(first=pool.packet(slow)))
        first.start()
        gone = threading.Event()
        second = threading.Thread(target=lambda: results.update(second=catch(lambda: pool.packet(slow, gone.is_set))))
        second.start()
        while pool._places._value:  # both places taken
            threading.Event().wait(0.02)
        with pytest.raises(Busy, match="busy"):
            pool.packet([request()])
        gone.set()  # the second client leaves while the first packet renders
        first.join()
        second.join()
        assert isinstance(results["first"], bytes) and isinstance(results["second"], ClientGone)
    finally:
        pool.close()


def catch(call):
    try:
        return call()
    except ClientGone as error:
        return error
