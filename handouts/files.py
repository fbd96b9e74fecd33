"""Writing output files: whole or not at all, with the permissions any new file would get."""

import os
import tempfile
from pathlib import Path

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
