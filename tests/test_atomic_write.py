"""Output files are written whole or not at all (`files.write_atomically`): a write that fails part
way leaves the old file as it was and no temporary file beside it, and a reader never sees a file
half old, half new. The failure is a real one: the operating system's limit on file size."""

import os
import resource
import signal
import subprocess
import sys

from handouts.files import write_atomically

OLD = b"%PDF-old " + b"o" * 1000
NEW = b"%PDF-new " + b"n" * 200_000
SIZE_LIMIT = 50_000  # bytes: the old file fits under it, the new one does not
WRITE_UNDER_A_SIZE_LIMIT = """
import sys
from pathlib import Path
from handouts.errors import OutputError
from handouts.files import write_atomically
try:
    write_atomically(Path(sys.argv[1]), sys.stdin.buffer.read())
except OutputError as error:
    print(error)
"""


def limit_file_size() -> None:
    """In the child: a write past SIZE_LIMIT fails with EFBIG (and does not kill it with SIGXFSZ)."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (SIZE_LIMIT, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))


def test_a_write_that_fails_part_way_leaves_the_old_file_whole(tmp_path):
    target = tmp_path / "en" / "x.pdf"
    target.parent.mkdir()
    target.write_bytes(OLD)
    result = subprocess.run(
        [sys.executable, "-c", WRITE_UNDER_A_SIZE_LIMIT, str(target)],
        input=NEW,
        capture_output=True,
        preexec_fn=limit_file_size,
        check=True,
    )
    assert result.stdout.decode() == f"{target}: cannot write it (File too large)\n", result.stderr
    assert target.read_bytes() == OLD
    assert os.listdir(target.parent) == ["x.pdf"]  # no temporary file left behind


def test_a_reader_of_the_old_file_never_sees_the_new_one_begin(tmp_path):
    target = tmp_path / "x.pdf"
    target.write_bytes(OLD)
    with target.open("rb") as reader:
        first = reader.read(100)
        write_atomically(target, NEW)
        rest = reader.read()  # the file the reader opened is the old one, whole, to its end
    assert first + rest == OLD
    assert target.read_bytes() == NEW  # the name now leads to the new file, whole
    assert os.listdir(tmp_path) == ["x.pdf"]
