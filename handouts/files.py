"""Writing output files: whole or not at all, with the permissions any new file would get."""

import os
import stat
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

from handouts.errors import OutputError


def _process_umask() -> int:
    """The umask can only be read by setting it; done once, at import, before any thread starts."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


UMASK = _process_umask()


def write_atomically(path: Path, data: bytes) -> None:
    """Write through a temporary file in the same folder, then rename: never a partial file.
    A folder or file that cannot be written is an OutputError naming the path."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(f"{path.parent}: cannot make this folder ({error.strerror or error})") from None
    try:
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    except OSError as error:
        raise OutputError(f"{path}: cannot write it ({error.strerror or error})") from None
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            os.fchmod(file.fileno(), 0o666 & ~UMASK)  # as open() would, not mkstemp's 0600
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise OutputError(f"{path}: cannot write it ({error.strerror or error})") from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


# The first bytes of each kind of file `-o` writes, and how a message names that kind.
PDF_START, HTML_START = b"%PDF-", b"<!DOCTYPE html>"
KINDS = {PDF_START: "a PDF", HTML_START: "an HTML page"}


def refuse_to_replace(path: Path, start: bytes, kept: Iterable[Path]) -> None:
    """Checks a file named with `-o` before any work, so that nothing is lost: it is not in `kept`
    (files, and folders with all they hold), and a file already there holds the same kind of file
    as the one to be written (starting with `start`): never a PDF over a `notes.txt` typed by mistake."""
    if str(path) == "-":
        return
    target = path.resolve()
    for keeper in kept:
        if target == keeper.resolve():
            raise OutputError(f"{path}: the project's own {keeper.name}, which -o never replaces")
        if target.is_relative_to(keeper.resolve()):
            raise OutputError(f"{path}: inside {keeper}/, which -o never writes into (write the file elsewhere)")
    if path.is_dir():
        raise OutputError(f"{path}: a folder; -o names a file")
    if path.is_block_device():
        raise OutputError(f"{path}: a disk; -o never writes to one")
    if not path.is_file():
        return
    try:
        with path.open("rb") as file:
            head = file.read(len(start))
    except OSError as error:
        raise OutputError(f"{path}: cannot read it ({error.strerror or error})") from None
    if head and head != start:
        raise OutputError(f"{path}: exists and is not {KINDS[start]}; not replaced (choose another name)")


def write_output(path: Path, data: bytes) -> None:
    """A file the user named with `-o` (checked first with `refuse_to_replace`): `-` is standard output,
    and a device or pipe that exists (`/dev/stdout`, a FIFO) is written in place, never replaced by a
    regular file; anything else is written atomically. A write that fails (a full disk, a closed pipe)
    is an OutputError."""
    if str(path) == "-":
        _write_stream(path, sys.stdout.buffer, data)
        return
    try:
        mode = path.stat().st_mode
    except OSError:
        mode = None
    if mode is None or stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        write_atomically(path, data)
        return
    try:
        with path.open("wb") as stream:
            _write_stream(path, stream, data)
    except OSError as error:
        raise OutputError(f"{path}: cannot write it ({error.strerror or error})") from None


def _write_stream(path: Path, stream: BinaryIO, data: bytes) -> None:
    try:
        stream.write(data)
        stream.flush()
    except OSError as error:
        raise OutputError(f"{path}: cannot write it ({error.strerror or error})") from None
