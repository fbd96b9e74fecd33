"""Exceptions of the handouts library; the command line turns them into `Error: ...`."""


class HandoutsError(Exception):
    """A problem the user can fix: bad content, a bad project, a bad request."""


class ContentError(HandoutsError):
    """A content, label or block file that cannot be read or does not fit the schema.

    Holds every problem found in the file, each already prefixed with `file:line:`.
    """

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


class ProjectError(HandoutsError):
    """A clinic project that is missing, malformed or points outside itself."""


class UnknownHandoutError(HandoutsError):
    """A slug or language that the library and the project do not have."""


class RenderError(HandoutsError):
    """A template or asset problem found while making the HTML or the PDF."""
