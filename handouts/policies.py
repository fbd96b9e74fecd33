"""Clinic policies: the rules a clinic sets once in `clinic.yaml` (fasting hours, arrival time,
driver, medicines) and the placeholders like `{fasting_food_hours}` that print them in shared blocks
and handouts, with numbers and units as each language writes them."""

import re
from itertools import pairwise
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from handouts.content import BlockItems, Blocks, Handout, Language, Strict, Text
from handouts.errors import ContentError, Problem, ProjectError

PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
MEDICINE_POLICIES = ("blood_thinners", "diabetes_medicines", "glp1_shots")
LABELLED_POLICIES = (*MEDICINE_POLICIES, "pain_diary_after")
"""Policies whose wording comes from the language's labels (`policy_<name>`)."""
HOUR_POLICIES = ("fasting_food_hours", "clear_liquids_until_hours", "adult_stays_hours", "no_soaking_hours")
MINUTE_POLICIES = ("arrive_minutes_before",)
OTHER_PLACEHOLDERS = ("phone", "after_hours_phone", "clinic", "pain_diary_times", "pain_diary_when")
PLACEHOLDERS = frozenset((*HOUR_POLICIES, *MINUTE_POLICIES, *MEDICINE_POLICIES, *OTHER_PLACEHOLDERS))
MAX_DIARY_TIMES = 12
DEFAULT_TIME_ZONE = "America/New_York"

MedicinePolicy = Literal["ask_us"] | dict[Language, Text]


class FollowUp(Strict):
    """`policies.follow_up`: the clinic's call or visit after a procedure, printed in "Your plan"."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, defer_build=True)

    days: int = Field(ge=1, le=365, description="Days after the procedure.")
    text: dict[Language, Text] = Field(
        min_length=1, description="What happens then, per language, e.g. {en: We call you to ask how you are}."
    )


class Policies(Strict):
    """`policies:` in clinic.yaml: the clinic's own rules, printed by the shared blocks. Numbers
    must be written as numbers: `true` is not 1 hour, `"8"` is not 8."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, defer_build=True)

    fasting_food_hours: int = Field(8, ge=0, le=48, description="Hours without food before sedation.")
    clear_liquids_until_hours: int = Field(
        2, ge=0, le=48, description="Clear liquids are allowed until this many hours before."
    )
    arrive_minutes_before: int = Field(30, ge=0, le=480, description="Minutes to arrive before the procedure time.")
    driver_required: Literal["sedation", "all", "none"] = Field(
        "sedation", description="Who needs an adult to drive them home: after sedation, after any procedure, or none."
    )
    adult_stays_hours: int = Field(
        24, ge=0, le=72, description="Hours an adult stays with the patient after sedation, from going home."
    )
    blood_thinners: MedicinePolicy = Field(
        "ask_us", description="ask_us (do not stop on your own; ask), or the clinic's own text per language."
    )
    diabetes_medicines: MedicinePolicy = Field(
        "ask_us", description="ask_us (do not stop on your own; ask), or the clinic's own text per language."
    )
    glp1_shots: MedicinePolicy = Field(
        "ask_us", description="ask_us (do not stop on your own; ask), or the clinic's own text per language."
    )

    pain_diary_minutes: list[Annotated[int, Field(ge=1, le=1440)]] = Field(
        [30, 60, 120, 240, 360],
        min_length=1,
        max_length=MAX_DIARY_TIMES,
        description="Minutes after a diagnostic block at which the patient rates their pain, earliest first.",
    )

    time_zone: str = Field(
        DEFAULT_TIME_ZONE, description="The clinic's IANA time zone, for the clock times of a visit's plan."
    )
    blood_sugar_check_days: int = Field(
        3, ge=1, le=14, description="Days after a steroid injection a patient with diabetes checks blood sugar often."
    )
    no_soaking_hours: int = Field(
        24, ge=1, le=336, description="Hours after a needle procedure without a bath, pool or hot tub."
    )
    trial_days: int = Field(
        7,
        ge=5,
        le=10,
        description="Days the stimulator trial leads stay in: the plan gives the day they come out. The"
        " handouts say about a week, so 5 to 10.",
    )
    follow_up: FollowUp | None = Field(None, description="The clinic's follow-up call or visit, if it sets one.")

    @field_validator("time_zone")
    @classmethod
    def known_time_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise ValueError(f"not a time zone like {DEFAULT_TIME_ZONE} (an IANA name)") from None
        return value

    @field_validator("pain_diary_minutes")
    @classmethod
    def diary_times_in_order(cls, value: list[int]) -> list[int]:
        if any(later <= earlier for earlier, later in pairwise(value)):
            raise ValueError("list the times earliest first, each once")
        return value

    @field_validator("clear_liquids_until_hours")
    @classmethod
    def liquids_within_food(cls, value: int, info: ValidationInfo) -> int:
        food = info.data.get("fasting_food_hours")
        if food is not None and value > food:
            raise ValueError(
                f"clear liquids must stop no earlier than food ({value} hours is more than fasting_food_hours: {food})"
            )
        return value

    def left_at_default(self) -> list[str]:
        """The policies clinic.yaml does not set: what the clinic has not decided yet (a follow-up is
        optional: none is a choice)."""
        return [name for name in type(self).model_fields if name not in self.model_fields_set | {"follow_up"}]


def policy_values(clinic: Any, language: str, defaults: dict[str, str]) -> dict[str, str]:
    """Placeholder -> printed text in one language. `defaults` holds the language's wording of
    the `ask_us` medicine policies and of the pain-diary times (from its labels)."""
    from babel.units import format_unit

    from handouts.locales import babel_locale

    policies: Policies = clinic.policies
    locale = babel_locale(language)
    values = {
        "phone": left_to_right(clinic.phone, language),
        "after_hours_phone": left_to_right(clinic.after_hours_phone, language),
        "clinic": clinic.name,
    }
    for name in HOUR_POLICIES:
        values[name] = format_unit(getattr(policies, name), "duration-hour", length="long", locale=locale)
    for name in MINUTE_POLICIES:
        values[name] = format_unit(getattr(policies, name), "duration-minute", length="long", locale=locale)
    values["pain_diary_times"] = diary_times(policies.pain_diary_minutes, locale)
    values["pain_diary_when"] = defaults["pain_diary_after"].replace("{times}", values["pain_diary_times"])
    for name in MEDICINE_POLICIES:
        policy = getattr(policies, name)
        if policy == "ask_us":
            text = defaults[name]
        elif language in policy:
            text = policy[language]
        else:
            raise ProjectError(f"clinic.yaml: policies.{name}: no text in {language!r} (add `{language}: ...`)")
        values[name] = fill(text, values)
    return values


def left_to_right(text: str, language: str) -> str:
    """A phone number (filled into a text) as it is dialled, left to right and on one line, inside a
    right-to-left language's line."""
    from handouts.locales import set_apart, writes_right_to_left

    if not writes_right_to_left(language):
        return text
    return set_apart(text.replace(" ", "\u00a0"), "rtl")


def duration_text(minutes: int, locale: Any) -> str:
    """ "30 minutes", "1 hour", "90 minutes" as the language writes a duration."""
    from babel.units import format_unit

    if minutes % 60 == 0:
        return format_unit(minutes // 60, "duration-hour", length="long", locale=locale)
    return format_unit(minutes, "duration-minute", length="long", locale=locale)


def diary_times(minutes: list[int], locale: Any) -> str:
    """ "30 minutes, 1 hour, 90 minutes and 2 hours" as the language writes a list of durations."""
    from babel.lists import format_list

    return format_list([duration_text(value, locale) for value in minutes], locale=locale)


def fill(text: str, values: dict[str, str]) -> str:
    """The text with each known `{name}` replaced; anything else is left as written. A value that ends
    in a period ("8:00 p. m.") before the sentence's own period leaves that one out."""

    def value(match: re.Match[str]) -> str:
        found = values.get(match.group(1), match.group(0))
        return found[:-1] if found.endswith(".") and text.startswith(".", match.end()) else found

    return PLACEHOLDER.sub(value, text)


def filled_item(item: Any, values: dict[str, str]) -> Any:
    """One block item filled in: a plain text, or an item model with a `text` field."""
    if isinstance(item, str):
        return fill(item, values)
    if isinstance(item, BaseModel) and isinstance(getattr(item, "text", None), str):
        return item.model_copy(update={"text": fill(item.text, values)})  # type: ignore[attr-defined]
    return item


def printed_blocks(blocks: Blocks, values: dict[str, str]) -> Blocks:
    """The blocks as printed: placeholders filled in."""
    filled: dict[str, BlockItems] = {}
    for name in Blocks.model_fields:
        block: BlockItems = getattr(blocks, name)
        filled[name] = block.model_copy(
            update={
                section: [filled_item(item, values) for item in getattr(block, section)]
                for section in BlockItems.model_fields
            }
        )
    return blocks.model_copy(update=filled)


def unknown_placeholders(path: Path, shown_as: str) -> list[Problem]:
    """Every `{name}` in the file's texts that is not a placeholder this tool fills, at its line."""
    from handouts.yamlfile import load_yaml

    _, node = load_yaml(path, shown_as)
    problems = []
    for scalar in scalars(node):
        for match in PLACEHOLDER.finditer(scalar.value):
            if match.group(1) not in PLACEHOLDERS:
                known = ", ".join(sorted(PLACEHOLDERS))
                problems.append(
                    Problem(
                        shown_as,
                        scalar.start_mark.line + 1,
                        f"unknown placeholder {match.group(0)} (known: {known})",
                    )
                )
    return problems


def refuse_unknown_placeholders(files: list[tuple[Path, str]]) -> None:
    problems = [problem for path, shown in files for problem in unknown_placeholders(path, shown)]
    if problems:
        raise ContentError(problems)


def scalars(node: yaml.Node | None) -> list[yaml.ScalarNode]:
    found: list[yaml.ScalarNode] = []
    stack = [node] if node is not None else []
    while stack:
        current = stack.pop()
        if isinstance(current, yaml.ScalarNode):
            found.append(current)
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)
        elif isinstance(current, yaml.MappingNode):
            stack.extend(value for _, value in current.value)
    return found


def filled_handout(handout: Handout, values: dict[str, str]) -> Handout:
    """The handout with placeholders in its own texts filled in (most have none)."""
    if not PLACEHOLDER.search(handout.model_dump_json(exclude={"review"})):
        return handout

    def walk(value: Any) -> Any:
        if isinstance(value, str):
            return fill(value, values)
        if isinstance(value, list):
            return [walk(item) for item in value]
        if isinstance(value, dict):
            return {key: walk(item) for key, item in value.items()}
        return value

    data = handout.model_dump(exclude={"review"})
    return Handout.model_validate({**walk(data), "review": handout.review})
