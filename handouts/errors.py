"""Exceptions of the handouts library; the command line turns them into `Error: ...` lines and the
web page into the answer of each one's `status`. Every error a user can cause is one of these, raised
where it happens, and each crosses from a worker process to its caller whole (pickled with its fields)."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

Error = TypeVar("Error", bound="HandoutsError")


class HandoutsError(Exception):
    """A problem the user can fix: bad content, a bad project, a bad request, an unwritable output.

    `status` is the web page's answer: 422 (the request was understood, the handout could not be
    made) unless a subclass says otherwise."""

    status = 422

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as it is, fields included, without calling `__init__` again: a subclass's
        `__init__` need not take its own message."""
        return _restored, (type(self), self.args, self.__dict__)


def _restored(kind: type[Error], args: tuple, fields: dict[str, Any]) -> Error:
    error = kind.__new__(kind, *args)
    error.args = args
    error.__dict__.update(fields)
    return error


@dataclass(frozen=True)
class Problem:
    """One problem in one file, at a line when it is known."""

    file: str
    line: int | None
    message: str

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.file else self.message


class ContentError(HandoutsError):
    """A content, label or block file that cannot be read or does not fit the schema.

    Holds every problem found in the file; text is taken as a problem that already names its place.
    """

    def __init__(self, problems: Sequence[Problem | str]):
        self.problems = [
            problem if isinstance(problem, Problem) else Problem("", None, problem) for problem in problems
        ]
        super().__init__("\n".join(str(problem) for problem in self.problems))


class ProjectError(HandoutsError):
    """A clinic project that is missing, malformed or points outside itself."""


class UnknownHandoutError(HandoutsError):
    """A slug or language that the library and the project do not have."""

    status = 400


class RenderError(HandoutsError):
    """A template, asset or language problem found while making the HTML or the PDF."""


class OutputError(HandoutsError):
    """A file or folder that cannot be written."""
