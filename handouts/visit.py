"""Visit details for the "Your appointment" box. They are patient data: they live in memory for
one render and are never logged, cached, written to the output folder or put in the manifest."""

import datetime

from pydantic import Field, ValidationError

from handouts.content import Strict
from handouts.errors import HandoutsError

FIELDS = {
    "patient": "patient name",
    "date": "procedure date",
    "arrive": "arrival time",
    "physician": "physician",
    "location": "location",
    "note": "special instructions",
}
HINTS = {"date": "a date like 2026-12-03", "arrive": "a time like 08:30"}


class VisitError(HandoutsError):
    """Visit details that cannot be used; the message names the field, never repeats its value."""


class Visit(Strict):
    """What the front desk fills in; every field may stay empty (the box then has a line to write on)."""

    patient: str = Field("", max_length=100)
    date: datetime.date | None = None
    arrive: datetime.time | None = None
    physician: str = Field("", max_length=100)
    location: str = Field("", max_length=200)
    note: str = Field("", max_length=600)

    @classmethod
    def from_fields(cls, fields: dict[str, str | None]) -> "Visit":
        """From form or command-line text; empty text is an empty field."""
        values = {name: " ".join(value.split()) for name, value in fields.items() if value and value.strip()}
        try:
            return cls.model_validate(values)
        except ValidationError as error:
            problems = []
            for problem in error.errors():
                name = str(problem["loc"][0])
                label = FIELDS.get(name, name)
                if name in HINTS:
                    problems.append(f"{label}: not {HINTS[name]}")
                elif problem["type"] == "string_too_long":
                    problems.append(f"{label}: too long (at most {problem['ctx']['max_length']} characters)")
                else:
                    problems.append(f"{label}: not accepted")
            raise VisitError("\n".join(problems)) from None
