"""Visit details for the "Your appointment" box. They are patient data: they live in memory for
one render and are never logged, cached, written to the output folder or put in the manifest."""

import datetime
import re
import unicodedata
from collections.abc import Container
from typing import Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from handouts.characters import piled_marks
from handouts.content import MAX_MARKS_PER_CHARACTER, Strict
from handouts.errors import HandoutsError
from handouts.glyphs import printable

FIELDS = {
    "patient": "patient name",
    "date": "procedure date",
    "time": "procedure time",
    "arrive": "arrival time",
    "sedation": "sedation",
    "physician": "physician",
    "location": "location",
    "note": "special instructions",
}
NOT_A_DATE = "not a date like 2026-12-03"
NOT_A_TIME = "not a time like 08:30"
NOT_A_CHOICE = "not yes, no or unknown"
ARRIVE_AFTER = "arrival time: after the procedure time (leave it empty to arrive as the clinic's policy says)"
YEARS = range(2000, 2101)
DATE_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
TIME_TEXT = re.compile(r"(?:[01][0-9]|2[0-3]):[0-5][0-9]")
UNSHOWN = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""Control characters (boxes on paper), stray surrogates, and the marks, embeddings, overrides and
isolates that make text run right to left: typed text never needs them, and they can reverse it."""
TEXT_FIELDS = ("patient", "physician", "location", "note")
NAME_FIELDS = frozenset({"patient", "physician"})


class VisitError(HandoutsError):
    """Visit details that cannot be used; the message names the field, never repeats its value."""

    status = 400  # the form's fault


class UnprintableError(VisitError):
    """A visit detail with a character no bundled font has: it would print as an empty box."""

    status = 422  # the form is right, the fonts are short of it


class PastDateError(VisitError):
    """A procedure date before the clinic's today: a mistyped year or day, or an old visit."""

    status = 422  # a real date, but not one a packet is printed for


class Visit(Strict):
    """What the front desk fills in; every field may stay empty (the box then has a line to write on)."""

    patient: str = Field("", max_length=100)
    date: datetime.date | None = None
    time: datetime.time | None = Field(None, description="The procedure time.")
    arrive: datetime.time | None = Field(None, description="The desk's own arrival time, in place of the policy's.")
    sedation: Literal["yes", "no", "unknown"] = Field(
        "unknown", description="Whether sedation is planned, where the handout allows both."
    )
    physician: str = Field("", max_length=100)
    location: str = Field("", max_length=200)
    note: str = Field("", max_length=600)

    @field_validator(*TEXT_FIELDS)
    @classmethod
    def few_marks_per_letter(cls, value: str) -> str:
        if piled_marks(value) > MAX_MARKS_PER_CHARACTER:  # the same limit as content's
            raise ValueError(f"more than {MAX_MARKS_PER_CHARACTER} accent marks on one letter")
        return value

    @field_validator("date", mode="before")
    @classmethod
    def date_as_written(cls, value: object) -> datetime.date:
        """`YYYY-MM-DD` only: no day numbers, timestamps or times of day."""
        if not isinstance(value, str) or not DATE_TEXT.fullmatch(value):
            raise ValueError(NOT_A_DATE)
        try:
            parsed = datetime.date.fromisoformat(value)
        except ValueError:
            raise ValueError(NOT_A_DATE) from None
        if parsed.year not in YEARS:
            raise ValueError(f"not a year from {YEARS[0]} to {YEARS[-1]}")
        return parsed

    @field_validator("sedation", mode="before")
    @classmethod
    def sedation_choice(cls, value: object) -> str:
        if value not in ("yes", "no", "unknown"):
            raise ValueError(NOT_A_CHOICE)
        return str(value)

    @model_validator(mode="after")
    def arrive_before_procedure(self) -> "Visit":
        """An arrival after the procedure (same day) would print two times that cannot both be right."""
        if self.time is not None and self.arrive is not None and self.arrive > self.time:
            raise ValueError(ARRIVE_AFTER)
        return self

    @field_validator("time", "arrive", mode="before")
    @classmethod
    def time_as_written(cls, value: object) -> datetime.time:
        """`HH:MM` on the 24-hour clock only: no seconds, no offsets."""
        if not isinstance(value, str) or not TIME_TEXT.fullmatch(value):
            raise ValueError(NOT_A_TIME)
        hours, minutes = value.split(":")
        return datetime.time(int(hours), int(minutes))

    @classmethod
    def from_fields(cls, fields: dict[str, str | None]) -> "Visit":
        """From form or command-line text; empty text is an empty field."""
        values = {name: cleaned(value) for name, value in fields.items() if value}
        values = {name: value for name, value in values.items() if value}
        try:
            return cls.model_validate(values)
        except ValidationError as error:
            problems = []
            for problem in error.errors():
                if not problem["loc"]:  # the whole visit: the message names its fields
                    problems.append(str(problem["ctx"]["error"]))
                    continue
                name = str(problem["loc"][0])
                label = FIELDS.get(name, name)
                if problem["type"] == "value_error":
                    problems.append(f"{label}: {problem['ctx']['error']}")
                elif problem["type"] == "string_too_long":
                    problems.append(f"{label}: too long (at most {problem['ctx']['max_length']} characters)")
                else:
                    problems.append(f"{label}: not accepted")
            raise VisitError("\n".join(problems)) from None


def cleaned(text: str) -> str:
    """The words of the text, one space apart, without control or direction-changing characters,
    with accents composed (NFC) as fonts draw them."""
    words = (UNSHOWN.sub("", word) for word in unicodedata.normalize("NFC", text).split())
    return " ".join(word for word in words if word)


def require_printable(visit: Visit, covered: Container[int]) -> None:
    """Refuse, before any rendering, a detail that has a character none of the `covered` fonts draws;
    the message names the field, never the character (it is part of the patient's details)."""
    problems = [
        f"{FIELDS[name]}: this {'name' if name in NAME_FIELDS else 'text'} has characters we cannot print"
        for name in TEXT_FIELDS
        if not printable(getattr(visit, name), covered)
    ]
    if problems:
        raise UnprintableError("\n".join(problems))
