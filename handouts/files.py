"""Writing output files: whole or not at all, with the permissions any new file would get."""

import os
import stat
import sys
import tempfile
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


def write_output(path: Path, data: bytes) -> None:
    """A file the user named with `-o`: `-` is standard output, and a device or pipe that exists
    (`/dev/stdout`, a FIFO) is written in place, never replaced by a regular file; anything else is
    written atomically. A write that fails (a full disk, a closed pipe) is an OutputError."""
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
