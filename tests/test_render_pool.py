"""The front desk's render pool on its own: packets, failures as messages, the busy answer, and
workers replaced after a set number of packets."""

import threading

import psutil
import pytest

from handouts.errors import UnknownHandoutError
from handouts.web.pool import Busy, ClientGone, RenderPool

from conftest import pdf_text

pytestmark = pytest.mark.slow  # every test here starts worker processes


def workers() -> list[psutil.Process]:
    return [child for child in psutil.Process().children() if "spawn_main" in " ".join(child.cmdline())]


def packet(pool: RenderPool, slugs=("pain-diary",), patient="", client_gone=lambda: False) -> bytes:
    return pool.packet(list(slugs), "en", False, {"patient": patient}, client_gone)


@pytest.fixture
def pool(library_project):
    running = RenderPool(library_project.root, workers=1, recycle_after=2)
    yield running
    running.close()


def test_a_worker_is_replaced_after_its_share_of_packets(pool):
    pool.start()  # one packet counted: the start-up task
    first = workers()
    packet(pool)  # the first worker's second: it makes way for a fresh one
    assert "Ada Quill" in pdf_text(packet(pool, patient="Ada Quill"))
    _, alive = psutil.wait_procs(first, timeout=20)
    assert not alive and len(workers()) == 1 and workers()[0].pid not in {worker.pid for worker in first}


def test_what_the_form_got_wrong_comes_back_as_the_error_the_worker_raised(pool):
    with pytest.raises(UnknownHandoutError, match="no-such-handout: no such handout") as raised:
        packet(pool, ["no-such-handout"])
    assert raised.value.status == 400


def test_a_full_queue_answers_busy_at_once_and_a_gone_client_is_dropped(library_project):
    pool = RenderPool(library_project.root, workers=1, queue_limit=2)
    try:
        pool.start()
        slow = list(library_project.catalog())[:4]
        results = {}
        first = threading.Thread(target=lambda: results.update(first=packet(pool, slow)))
        first.start()
        gone = threading.Event()
        second = threading.Thread(
            target=lambda: results.update(second=catch(lambda: packet(pool, slow, client_gone=gone.is_set)))
        )
        second.start()
        while pool.queue.packets < 2:  # both places taken
            threading.Event().wait(0.02)
        with pytest.raises(Busy, match="busy"):
            packet(pool)
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
