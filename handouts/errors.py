"""Exceptions of the handouts library; the command line turns them into `Error: ...` lines and the
web page into 4xx answers. Every error a user can cause is one of these, raised where it happens."""

from collections.abc import Sequence
from dataclasses import dataclass


class HandoutsError(Exception):
    """A problem the user can fix: bad content, a bad project, a bad request, an unwritable output."""


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


class RenderError(HandoutsError):
    """A template, asset or language problem found while making the HTML or the PDF."""


class OutputError(HandoutsError):
    """A file or folder that cannot be written."""
