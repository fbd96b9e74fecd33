"""Writing output files: whole or not at all, with the permissions any new file would get."""

import glob
import os
import shutil
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


def shown(path: Path) -> str:
    """A path as an error line prints it: quoted when it holds a newline or another unprintable character."""
    return str(path) if str(path).isprintable() else repr(str(path))


def write_atomically(path: Path, data: bytes, mode: int | None = None) -> None:
    """Write through a temporary file in the same folder, then rename: never a partial file. The file
    gets `mode`, or what open() would give it. A folder or file that cannot be written is an
    OutputError naming the path."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(f"{shown(path.parent)}: cannot make this folder ({error.strerror or error})") from None
    try:
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    except OSError as error:
        raise OutputError(f"{shown(path)}: cannot write it ({error.strerror or error})") from None
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            os.fchmod(file.fileno(), 0o666 & ~UMASK if mode is None else mode)  # as open() would, not mkstemp's 0600
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise OutputError(f"{shown(path)}: cannot write it ({error.strerror or error})") from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


# The first bytes of each kind of file `-o` writes, and how a message names that kind.
PDF_START, HTML_START = b"%PDF-", b"<!DOCTYPE html>"
KINDS = {PDF_START: "a PDF", HTML_START: "an HTML page"}
# Marks a folder of built handouts (`build` keeps it there); `-o` never writes below one.
MANIFEST_FILE = ".handouts-manifest.json"


def refuse_to_replace(path: Path, start: bytes, kept: Iterable[Path]) -> None:
    """Checks a file named with `-o`, before any work and again just before writing, so that nothing
    is lost and no patient's details go where built handouts are kept. The file is not in `kept`
    (files, and folders with all they hold) nor below a folder of built handouts, wherever it is
    reached from; a file already there holds the same kind of file as the one to be written (starting
    with `start`): never a PDF over a `notes.txt` typed by mistake; never a folder or a disk."""
    if str(path) == "-":
        return
    try:
        target = path.resolve()
        for keeper in map(Path.resolve, kept):
            if target == keeper:
                raise OutputError(f"{shown(path)}: that is {shown(keeper)}, which -o never replaces")
            if target.is_relative_to(keeper):
                raise OutputError(
                    f"{shown(path)}: inside {shown(keeper)}, which -o never writes into (write the file elsewhere)"
                )
        for folder in target.parents:
            if (folder / MANIFEST_FILE).is_file():
                raise OutputError(
                    f"{shown(path)}: inside {shown(folder)}, a folder of built handouts; -o writes elsewhere"
                )
        if path.is_dir():
            raise OutputError(f"{shown(path)}: a folder; -o names a file")
        if path.is_block_device():
            raise OutputError(f"{shown(path)}: a disk; -o never writes to one")
        if not path.is_file():
            return
        with path.open("rb") as file:
            head = file.read(len(start))
    except (OSError, RuntimeError) as error:  # a name too long, a loop of links, a file that cannot be read
        raise OutputError(
            f"{shown(path)}: cannot use this name ({getattr(error, 'strerror', None) or error})"
        ) from None
    if head and head != start:
        raise OutputError(f"{shown(path)}: exists and is not {KINDS[start]}; not replaced (choose another name)")


def write_output(path: Path, data: bytes, kept: Iterable[Path], mode: int | None = None) -> None:
    """A file the user named with `-o` (with `mode`, as `write_atomically`), checked again (`refuse_to_replace`: something may have appeared
    there while the handouts were made). `-` is standard output; a device or pipe (`/dev/stdout`, a
    FIFO) is written in place; a file is written atomically where its links lead, never over a link
    itself. A write that fails (a full disk, a closed pipe) is an OutputError."""
    refuse_to_replace(path, next(start for start in KINDS if data.startswith(start)), kept)
    if str(path) == "-":
        _write_stream(path, sys.stdout.buffer, data)
        return
    try:
        existing: int | None = path.stat().st_mode
    except OSError:
        existing = None
    if existing is None or stat.S_ISREG(existing):
        write_atomically(path if existing is None else path.resolve(), data, mode)
        return
    try:
        with path.open("wb") as stream:
            _write_stream(path, stream, data)
    except OSError as error:
        raise OutputError(f"{shown(path)}: cannot write it ({error.strerror or error})") from None


def _write_stream(path: Path, stream: BinaryIO, data: bytes) -> None:
    try:
        stream.write(data)
        stream.flush()
    except OSError as error:
        raise OutputError(f"{shown(path)}: cannot write it ({error.strerror or error})") from None


def remove_partial(path: Path) -> None:
    """Remove what a `write_atomically` of `path` ended midway (its process killed) left aside."""
    for temporary in path.parent.glob(f".{glob.escape(path.name)}.*.part"):
        temporary.unlink(missing_ok=True)


_private_folder_pid: int | None = None


def private_temp_folder() -> None:
    """From now on this process's temporary files go in a folder of its own, removed when the
    process exits: WeasyPrint leaves a font folder behind in every process that renders. A worker's
    folder is made inside its parent's (`TMPDIR` is set too, for workers that do not fork), so the
    parent removes what a killed worker could not. Once per process."""
    global _private_folder_pid
    if _private_folder_pid == os.getpid():
        return
    from multiprocessing.util import Finalize

    folder = tempfile.mkdtemp(prefix="handouts-")
    tempfile.tempdir = os.environ["TMPDIR"] = folder
    Finalize(None, shutil.rmtree, args=(folder,), kwargs={"ignore_errors": True}, exitpriority=0)
    _private_folder_pid = os.getpid()
