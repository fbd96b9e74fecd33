"""Procedure codes (CPT and a clinic's own) and free-text procedure names to handouts, for a day's
schedule: the built-in map (data/procedures.yaml) with the clinic's `procedures:` over it."""

import re
from dataclasses import dataclass
from functools import cached_property
from importlib.resources import files
from typing import TYPE_CHECKING, Annotated

import yaml
from pydantic import Field, StringConstraints, field_validator

from handouts.content import SLUG_PATTERN, Strict
from handouts.errors import ProjectError

if TYPE_CHECKING:  # clinic.yaml's model holds a ProcedureMap: the project imports this module
    from handouts.project import Project

CODE = re.compile(r"[0-9A-Za-z][0-9A-Za-z.]{0,31}")
"""A CPT code (64483, 0275T) or a clinic's own; letters in either case."""
RANGE = re.compile(r"([0-9]{5})-([0-9]{5})")
Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN.pattern)]


class ProcedureMap(Strict):
    """`procedures:` in clinic.yaml: what joins the built-in map of `handouts visits`."""

    always: list[Slug] | None = Field(
        None,
        description="Handouts that join every packet with a procedure handout; [] for none. "
        "Default: preparing-for-your-procedure.",
    )
    codes: dict[str, list[Slug]] = Field(
        default_factory=dict,
        description='A code (or a range "64490-64495") to its handouts; replaces the built-in handouts of that code.',
    )
    names: dict[str, list[Slug]] = Field(
        default_factory=dict, description="A procedure's name as the schedule writes it to its handouts."
    )

    @field_validator("codes")
    @classmethod
    def codes_or_ranges(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for key in value:
            if not CODE.fullmatch(key) and not ranged(key):
                raise ValueError(
                    f'{key!r} is not a code like 64483 or 0275T (letters, digits and dots), or a range like "64490-64495"'
                )
        return value


def ranged(key: str) -> range | None:
    """The numbers of a range "A-B" (A not above B), else None."""
    found = RANGE.fullmatch(key)
    if not found or int(found[1]) > int(found[2]):
        return None
    return range(int(found[1]), int(found[2]) + 1)


def expanded(codes: dict[str, list[str]]) -> dict[str, list[str]]:
    """Each code of each range on its own."""
    result: dict[str, list[str]] = {}
    for key, slugs in codes.items():
        numbers = ranged(key)
        for code in [key] if numbers is None else [f"{number:05d}" for number in numbers]:
            result[code_key(code)] = slugs
    return result


def code_key(code: str) -> str:
    """How codes are compared: case does not count (0275t is 0275T)."""
    return code.strip().upper()


def name_key(text: str) -> str:
    """How names are compared: case and spacing do not count."""
    return " ".join(text.casefold().split())


def built_in_map() -> ProcedureMap:
    text = files("handouts").joinpath("data/procedures.yaml").read_text(encoding="utf-8")
    return ProcedureMap.model_validate(yaml.safe_load(text))


@dataclass(frozen=True)
class Match:
    """The handouts of one appointment, and its codes and names that no map knows."""

    slugs: list[str]
    unmapped: list[str]


class Procedures:
    """The clinic's map over the built-in one; a handout it names that does not exist is an error."""

    def __init__(self, project: "Project"):
        self.project = project
        base, own = built_in_map(), project.clinic.procedures
        self.codes = {**expanded(base.codes), **expanded(own.codes)}
        self.names = {name_key(name): slugs for name, slugs in {**base.names, **own.names}.items()}
        self.always = base.always if own.always is None else own.always
        catalog = project.catalog()
        named = [*self.codes.values(), *self.names.values(), self.always or []]
        missing = sorted({slug for slugs in named for slug in slugs if slug not in catalog})
        if missing:
            raise ProjectError(f"clinic.yaml: procedures: no handout named {', '.join(missing)} (see `handouts list`)")

    @cached_property
    def handout_names(self) -> dict[str, str]:
        """Every handout's slug, titles and other names in every language, to its slug."""
        from handouts.usecases import list_handouts

        return {
            name_key(name): row.slug for row in list_handouts(self.project, every_name=True).rows for name in row.names
        }

    def match(self, codes: list[str], names: list[str]) -> Match:
        """The handouts of the codes and names, in order, once each; `always` joins when one is a
        procedure. A code no map knows is unmapped; so is a name, unless a code of the same
        appointment was found (the name is then that code's description)."""
        by_code = {code: self.codes.get(code_key(code), []) for code in codes}
        by_name = {name: self.names.get(name_key(name)) or self.by_handout_name(name) for name in names}
        slugs = [slug for found in (*by_code.values(), *by_name.values()) for slug in found]
        unmapped = [code for code, found in by_code.items() if not found]
        if not any(by_code.values()):
            unmapped += [name for name, found in by_name.items() if not found]
        if any(self.project.handout(self.language_of(slug), slug).kind == "procedure" for slug in slugs):
            slugs += self.always or []
        return Match(list(dict.fromkeys(slugs)), unmapped)

    def by_handout_name(self, name: str) -> list[str]:
        slug = self.handout_names.get(name_key(name))
        return [slug] if slug else []

    def language_of(self, slug: str) -> str:
        languages = self.project.catalog()[slug]
        return "en" if "en" in languages else languages[0]
