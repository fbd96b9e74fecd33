"""Warnings of the libraries a render uses (WeasyPrint above all): collected per render, so that a
render in a pool worker can hand them back, then reported through the `handouts` logger, which the
command line prints as `Warning:` lines and `--strict` counts."""

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

LOG = logging.getLogger("handouts")
DEPENDENCY_LOGGERS = ("weasyprint", "fontTools")


class _Collector(logging.Handler):
    """Keeps the messages of the render running on this thread; outside a render, passes them on."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.local = threading.local()

    def emit(self, record: logging.LogRecord) -> None:
        sink = getattr(self.local, "sink", None)
        if sink is None:
            LOG.warning("%s", record.getMessage())
        else:
            sink.append(record.getMessage())


_collector = _Collector()
for _name in DEPENDENCY_LOGGERS:
    _logger = logging.getLogger(_name)
    _logger.addHandler(_collector)
    _logger.propagate = False  # reported once, by whoever asked for the render


@contextmanager
def collected_warnings() -> Iterator[list[str]]:
    """The warnings logged on this thread while the block runs (nested blocks share the outer list)."""
    outer = getattr(_collector.local, "sink", None)
    sink: list[str] = outer if outer is not None else []
    _collector.local.sink = sink
    try:
        yield sink
    finally:
        _collector.local.sink = outer


def report(subject: str, warnings: list[str]) -> None:
    """Each warning once, as `subject: message`."""
    for message in dict.fromkeys(warning.removesuffix(": ") for warning in warnings):
        LOG.warning("%s: %s", subject, message)


def kept_private(warnings: list[str]) -> list[str]:
    """What may be told of the warnings of a render that held visit details: how many, never their
    words (WeasyPrint quotes the text it could not draw)."""
    if not warnings:
        return []
    return [
        f"{len(warnings)} warning(s) while making a handout with visit details, not shown as they may "
        "quote them (build it without visit details to read them)"
    ]
