"""The content model: handouts, section labels and shared blocks, loaded from YAML and validated."""

import re
from datetime import date
from enum import StrEnum
from typing import Annotated, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    HttpUrl,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_serializer,
    model_validator,
)

from handouts.characters import piled_marks

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
LANGUAGE_PATTERN = re.compile(r"^[a-z]{2,3}$")
ICON_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
DIAGRAM_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*\.svg$")
T = TypeVar("T")
MARKDOWN_LIST_ITEM = re.compile(r"^[ \t]*(?:[-*+]|[0-9]{1,9}[.)])(?:[ \t]|$)", re.MULTILINE)
"""The start of a Markdown list item: read without the Markdown parser, which `list` never loads."""

# Limits of a content file (a handout, labels, blocks, glossary or jargon list), checked when it is
# loaded, so `build`, `check` and `serve` all refuse what passes them. Each has room above the
# largest file of the built-in library, given after it; past them, a render takes seconds to
# minutes (a 240 KB file of `*a*`: 66 s and 1.4 GB; 9,000 list items: 15 s).
MAX_CONTENT_FILE_BYTES = 64 * 1024  # largest: 8.2 KB (es/opioid-safety.yaml)
MAX_LIST_ITEMS = 40  # in one list, YAML or Markdown; largest: 18 (also_known_as), 10 in a Markdown list
MAX_TEXT_CHARS = 3_000  # in one text; largest: 1,536 (an extras text holding a list of 10)
MAX_EMPHASIS_MARKERS = 200  # `*` and `_` in one text; largest: 32
MAX_MARKS_PER_CHARACTER = 3  # marks on one letter; largest: 0 (composed), Vietnamese decomposed needs 2


def only_allowed_links(text: str) -> str:
    """Markdown links must be https:, mailto: or tel: (checked on load, so `check` and `build` both say so)."""
    if "](" in text:  # every Markdown link has it: skip the parser for the many texts without one
        from handouts.markup import refused_links

        refused = refused_links(text)
        if refused:
            raise ValueError(
                f"link {refused[0][:80]!r} is not allowed: links must start with https://, mailto: or tel:"
            )
    return text


def within_limits(text: str) -> str:
    """A text no longer than MAX_TEXT_CHARS, with at most MAX_EMPHASIS_MARKERS emphasis markers,
    MAX_LIST_ITEMS Markdown list items and MAX_MARKS_PER_CHARACTER combining marks on one letter."""
    if len(text) > MAX_TEXT_CHARS:
        raise ValueError(f"text of {len(text):,} characters, over the {MAX_TEXT_CHARS:,} one text may have")
    markers = text.count("*") + text.count("_")
    if markers > MAX_EMPHASIS_MARKERS:
        raise ValueError(f"{markers:,} emphasis markers (* and _), over the {MAX_EMPHASIS_MARKERS} one text may have")
    piled = piled_marks(text)
    if piled > MAX_MARKS_PER_CHARACTER:
        raise ValueError(
            f"{piled} combining marks on one character, over the {MAX_MARKS_PER_CHARACTER} one character may have"
        )
    items = len(MARKDOWN_LIST_ITEM.findall(text))
    if items > MAX_LIST_ITEMS:
        raise ValueError(f"a list of {items:,} items, over the {MAX_LIST_ITEMS} one list may have")
    return text


def at_most_listed(value: object) -> object:
    """A list of at most MAX_LIST_ITEMS entries, refused before any entry is read (one error, not thousands)."""
    if isinstance(value, list) and len(value) > MAX_LIST_ITEMS:
        raise ValueError(f"a list of {len(value):,} items, over the {MAX_LIST_ITEMS} one list may have")
    return value


Listed = Annotated[list[T], BeforeValidator(at_most_listed)]
"""A list of at most MAX_LIST_ITEMS entries."""


Text = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1),
    AfterValidator(within_limits),
    AfterValidator(only_allowed_links),
]
"""A non-empty piece of patient-facing text; may use the Markdown subset."""
Language = Annotated[str, StringConstraints(pattern=LANGUAGE_PATTERN.pattern)]


class Strict(BaseModel):
    """Unknown keys are errors; values never change once loaded. A model builds its validator the
    first time it validates (`defer_build`): a command pays only for the file kinds it reads."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Item(Strict):
    """A list item: plain text, or `{text: ..., icon: NAME}` to print a pictogram beside it."""

    text: Text
    icon: Annotated[str, StringConstraints(pattern=ICON_PATTERN.pattern)] | None = Field(
        None, description="A pictogram from assets/icons/ (file name without .svg), e.g. no-food."
    )

    @field_validator("icon")
    @classmethod
    def icon_exists(cls, name: str | None, info: ValidationInfo) -> str | None:
        known = (info.context or {}).get("icons")
        if name is not None and known is not None and name not in known:
            raise ValueError(f"unknown icon {name!r} (there is: {', '.join(sorted(known))})")
        return name

    @model_serializer
    def as_data(self) -> str | dict:
        return self.text if self.icon is None else {"text": self.text, "icon": self.icon}


def _text_as_item(value: object) -> object:
    return {"text": value} if isinstance(value, str) else value


Items = Listed[Annotated[Item, BeforeValidator(_text_as_item)]]
"""A list of items, each plain text or text with a pictogram."""


class Diagram(Strict):
    """The procedure's picture: an SVG from assets/diagrams/, its printed caption, its alt text and the key
    to its numbered parts."""

    file: Annotated[str, StringConstraints(pattern=DIAGRAM_PATTERN.pattern)] = Field(
        description="File name under assets/diagrams/, e.g. spine-epidural.svg; a clinic's own copy wins."
    )
    caption: Text = Field(
        max_length=60,
        description="The picture's short printed title in the handout's language, e.g. 'Where the needle goes'.",
    )
    alt: Text = Field(description="What the picture shows, for screen readers, in the handout's language.")
    labels: list[Text] = Field(
        default_factory=list, max_length=9, description="What each numbered callout marks: item 1 is callout 1."
    )
    section: Literal["what_it_is", "how_it_is_done"] = Field(
        "what_it_is", description="The section the picture sits in."
    )


class BleedingRisk(StrEnum):
    none = "none"
    low = "low"
    intermediate = "intermediate"
    high = "high"


class Flags(Strict):
    """Switches that pull shared blocks into a handout."""

    sedation: bool = Field(False, description="Sedation may be given: adds fasting and driver rules.")
    sedation_always: bool = Field(
        False,
        description="The procedure's own medicine sedates (a ketamine infusion): the fasting and adult-at-home"
        " rules are worded as always applying, not 'if you get medicine to relax'. Needs sedation: true.",
    )
    steroid: bool = Field(False, description="A steroid is injected: adds the blood-sugar note for diabetes.")
    bleeding_risk: BleedingRisk = Field(
        BleedingRisk.none, description="Bleeding risk of the procedure: picks the blood-thinner wording."
    )
    contrast: bool = Field(False, description="Contrast dye is used: adds the allergy question.")
    implanted_device: bool = Field(
        False, description="A device stays in the body: adds ID card, MRI and airport notes."
    )
    device_trial: bool = Field(
        False,
        description="Trial leads stay in for days, then come out: adds no MRI while they are in, keeping them dry,"
        " no diathermy, telling every doctor.",
    )
    numb_limb: bool = Field(
        False,
        description="An arm or leg may be numb or weak for hours: adds no driving until it feels normal, and"
        " the adult driver whatever policies.driver_required says.",
    )
    needs_driver: bool = Field(
        False, description="This procedure always needs an adult driver: adds the driver block whatever the policy."
    )
    pain_diary: bool = Field(
        False, description="A diagnostic block: adds when to rate your pain (policies.pain_diary_minutes)."
    )
    bleeding_varies_by_site: bool = Field(
        False, description="Some sites (the neck, a deep nerve) need stricter blood-thinner rules: adds that note."
    )
    every_procedure: bool = Field(
        False, description="For a topic about procedures in general: adds the every-procedure block."
    )
    near_spine: bool = Field(
        False,
        description="The needle or device is at or near the spine, or a topic tells of back pain's warning signs:"
        " adds the 911 line for pressure on the nerves of the spine (new leg weakness, numbness where you sit,"
        " cannot pass urine or control your bowels).",
    )

    @model_validator(mode="after")
    def always_sedated_is_sedated(self) -> "Flags":
        if self.sedation_always and not self.sedation:
            raise ValueError("sedation_always: needs sedation: true as well")
        return self


class Risks(Strict):
    common: Items = Field(default_factory=list, description="Common, mostly mild effects.")
    rare: Items = Field(default_factory=list, description="Rare but serious problems.")


class Source(Strict):
    title: Text
    url: HttpUrl


class TranslationOf(Strict):
    """The file a translation was made from: when that file's version moves on, the translation is out of date."""

    language: Language
    version: int = Field(ge=1)


class Review(Strict):
    """Governance of one content file, printed small in the footer."""

    version: int = Field(ge=1)
    status: Literal["draft", "approved"] = "draft"
    reviewed_by: Text | None = None
    reviewed_on: date | None = None
    next_review: date | None = None
    sources: Listed[Source] = Field(min_length=1)
    translation_of: TranslationOf | None = Field(
        None, description="For a translation: the language and version of the file it was translated from."
    )

    @model_validator(mode="after")
    def approved_needs_reviewer(self) -> "Review":
        if self.status == "approved" and not (self.reviewed_by and self.reviewed_on):
            raise ValueError("an approved file needs reviewed_by and reviewed_on")
        return self


class Extra(Strict):
    heading: Text
    text: Text


class Diary(Strict):
    """A log to fill in by hand: a 0-10 pain scale and a table of empty rows."""

    heading: Text
    scale_low: Text = Field(description="What 0 means, e.g. '0 = no pain'.")
    scale_high: Text = Field(description="What 10 means, e.g. '10 = worst pain you can imagine'.")
    columns: list[Text] = Field(min_length=2, max_length=6)
    rows: int = Field(12, ge=1, le=40)


class Headings(Strict):
    """Headings a handout puts in place of the generic section labels, where those do not fit it."""

    what_it_is: Text | None = None
    why_it_is_done: Text | None = None
    how_it_is_done: Text | None = None
    before: Text | None = None
    after: Text | None = None
    risks: Text | None = None
    questions: Text | None = None


class Handout(Strict):
    """One handout in one language: `content/<lang>/<slug>.yaml`."""

    title: Text
    kind: Literal["procedure", "topic"] = Field(
        "procedure", description="A procedure needs what/how/before/after/risks; a topic does not."
    )
    also_known_as: Listed[Text] = Field(default_factory=list, description="Other names people search for.")
    summary: Text = Field(description="The one main message, printed first.")
    diagram: Diagram | None = Field(None, description="Every procedure handout has one.")
    what_it_is: Text | None = None
    why_it_is_done: Text | None = None
    how_it_is_done: Items = Field(default_factory=list, description="Numbered steps.")
    before: Items = Field(default_factory=list, description="Checklist printed with boxes.")
    after: Items = Field(default_factory=list, description="What to expect afterwards.")
    risks: Risks = Field(default_factory=Risks)
    call_us: Items = Field(min_length=1, description="When to call the clinic.")
    call_911: Items = Field(default_factory=list, description="When to call 911 or go to the ER.")
    questions: Items = Field(default_factory=list, description="Questions to ask the care team.")
    extras: Listed[Extra] = Field(default_factory=list)
    diary: Diary | None = Field(None, description="A printable pain log, for diagnostic blocks and trials.")
    flags: Flags = Field(default_factory=Flags)
    headings: Headings = Field(
        default_factory=Headings, description="Section headings of this handout in place of the generic labels."
    )
    explains_rules: list[Text] = Field(
        default_factory=list,
        description="A topic that exists to explain clinic rules (e.g. [blood_thinners]): `check` lets it word"
        " these rules itself. Rule names are the keys of content/<lang>/_said_once.yaml.",
    )
    review: Review

    @model_validator(mode="after")
    def procedure_is_complete(self) -> "Handout":
        if self.explains_rules and self.kind != "topic":
            raise ValueError("explains_rules: only a topic may explain a clinic rule in its own words")
        if self.kind == "procedure":
            needed = ["what_it_is", "how_it_is_done", "before", "after"]
            missing = [name for name in needed if not getattr(self, name)]
            if missing:
                raise ValueError(f"a procedure handout needs {', '.join(missing)}")
        if self.diagram and self.diagram.section == "what_it_is" and not self.what_it_is:
            raise ValueError("diagram.section: what_it_is, but the handout has no what_it_is")
        return self


class Labels(Strict):
    """Section headings and fixed phrases of one language: `content/<lang>/_labels.yaml`."""

    language_name: Text
    summary: Text
    what_it_is: Text
    why_it_is_done: Text
    how_it_is_done: Text
    before: Text
    after: Text
    risks: Text
    risks_common: Text
    risks_rare: Text
    call_us: Text
    call_911: Text
    questions: Text
    sources: Text
    phone: Text
    after_hours: Text
    page: Text
    of: Text
    version: Text
    translated_version: Text = Field(
        description="Footer: a translation's version, {version}, and the version of the original it was translated"
        " from, {original}, in {language} (the original's language, named in this one)."
    )
    draft_notice: Text = Field(description="Footer text for drafts; {clinic} is the clinic name.")
    approved_notice: Text = Field(description="Footer text; {reviewer} and {date} are filled in.")
    appointment: Text = Field(description="Heading of the visit box, e.g. 'Your appointment'.")
    patient: Text = Field(description="Visit box: the patient's name.")
    visit_date: Text = Field(description="Visit box: the procedure date.")
    arrive: Text = Field(description="Visit box: the arrival time.")
    arrive_night_before: Text = Field(
        description="Visit box: an arrival on the evening before a procedure just after midnight; {time}."
    )
    policy_blood_thinners: Text = Field(description="{blood_thinners} when the clinic's policy is ask_us.")
    policy_diabetes_medicines: Text = Field(description="{diabetes_medicines} when the clinic's policy is ask_us.")
    policy_glp1_shots: Text = Field(description="{glp1_shots} when the clinic's policy is ask_us.")
    physician: Text = Field(description="Visit box: the physician doing the procedure.")
    location: Text = Field(description="Visit box: where to go.")
    note: Text = Field(description="Visit box: special instructions.")
    booklet_title: Text = Field(description="Cover of the booklet of every handout.")
    contents: Text = Field(description="Heading of the booklet's table of contents.")
    visit_title: Text = Field(description="A visit packet's document title; {titles} is its handouts' titles.")
    fax: Text = Field(description="Contact block: the clinic's fax number.")
    logo_alt: Text = Field(
        description="The logo's text for screen readers; {clinic} is the clinic name. clinic.yaml's logo_alt,"
        " written in the clinic's first language, is used instead in that language."
    )
    procedure_time: Text = Field(description="Visit box: the procedure time.")
    plan: Text = Field(description="Heading of the plan sheet that starts a visit packet, e.g. 'Your plan'.")
    plan_last_food: Text = Field(description="Plan: the time to stop eating solid food.")
    plan_clear_liquids: Text = Field(description="Plan: the time to stop drinking clear liquids.")
    plan_adult_stays: Text = Field(description="Plan: an adult drives you home and stays (after sedation).")
    plan_adult_stays_for: Text = Field(description="Plan: how long the adult stays, from leaving; {hours}.")
    plan_driver: Text = Field(description="Plan: an adult drives you home (without sedation): the day.")
    plan_blood_sugar: Text = Field(description="Plan: the time until which to check blood sugar (steroid).")
    plan_no_soaking: Text = Field(description="Plan: the time until which not to soak.")
    plan_pain_diary: Text = Field(
        description="Plan: the clock times to rate your pain after the shot, which count from an on-time start."
    )
    plan_if_sedation: Text = Field(description="Plan: the food, drink and adult times hold if sedation is given.")
    plan_glp1: Text = Field(description="Plan: the day by which to tell us of a GLP-1 medicine (1 week ahead).")
    plan_glp1_late: Text = Field(description="Plan: a line of its own in place of plan_glp1 once that day has gone by.")
    plan_glp1_too_late: Text = Field(
        description="Plan: a line of its own in place of plan_glp1_late from the day before the procedure on,"
        " too late for a day of clear liquids only: call before you come, we may move the procedure."
    )
    plan_trial_ends: Text = Field(description="Plan: about when the trial leads come out (policies.trial_days).")
    plan_arrive: Text = Field(description="Plan: the arrival time; a time phrase follows.")
    clock_noon: Text = Field(description="Noon by name; {time} is 12:00 PM as the language writes it.")
    clock_midnight: Text = Field(description="Midnight by name; {time} is 12:00 AM as the language writes it.")
    clock_after_midnight: Text = Field(description="A time in the hour after midnight, said to be after it; {time}.")
    plan_clock: Text = Field(description="Plan: a clock time after a row's label, with its article; {time}.")
    plan_clock_one: Text = Field(description="Plan: plan_clock for a time in the one o'clock hour; {time}.")
    plan_time_day: Text = Field(description="Plan: a time on a day; {time}, {weekday} and {date} are filled in.")
    plan_night_before: Text = Field(description="Plan: an evening time the day before; {time}, {weekday}, {date}.")
    plan_midnight: Text = Field(
        description="Plan: midnight, on the night of the day before it; {time}, {weekday}, {date}."
    )
    plan_after_clear_liquids: Text = Field(description="Plan: the line after the clear-liquids time: what comes next.")
    plan_sedation: Text = Field(description="Plan: whether medicine to relax you is planned, as the desk says.")
    plan_sedation_yes: Text = Field(description="Plan: sedation is planned.")
    plan_sedation_no: Text = Field(description="Plan: sedation is not planned.")
    plan_just_before: Text = Field(description="Plan sheet's pain diary: the first row, just before the procedure.")
    plan_notes: Text = Field(description="Heading of the plan sheet's second page when it has no pain diary.")
    plan_diary_row: Text = Field(
        description="A pain log row after the shot: {after} is how long after it, {time} the clock time that is if"
        " we start on time, with its article (plan_clock)."
    )
    policy_pain_diary_after: Text = Field(
        description="{pain_diary_when}: {times} are durations after the shot (a visit's plan gives the clock times)."
    )


class BlockItems(Strict):
    """Items a shared block adds to the end of a handout's sections."""

    before: Items = Field(default_factory=list)
    after: Items = Field(default_factory=list)
    call_us: Items = Field(default_factory=list)
    call_911: Items = Field(default_factory=list)
    questions: Items = Field(default_factory=list)


class Blocks(Strict):
    """Shared blocks of one language: `content/<lang>/_blocks.yaml`."""

    every_procedure: BlockItems
    sedation: BlockItems = Field(description="Fasting and the adult at home, 'if you get medicine to relax'.")
    sedation_always: BlockItems = Field(
        description="The same rules worded as always applying, in place of sedation where sedation_always is set."
    )
    sedation_medicines: BlockItems = Field(
        description="Morning medicines, diabetes medicines and GLP-1 medicines before sedation: printed with"
        " sedation or sedation_always."
    )
    steroid: BlockItems
    bleeding_low: BlockItems
    bleeding_intermediate: BlockItems
    bleeding_high: BlockItems
    bleeding_trial: BlockItems = Field(
        description="The blood-thinner wording for trial leads, in place of bleeding_<risk> where device_trial is"
        " set: the leads stay in for days, so the restart waits until they come out."
    )
    bleeding_varies_by_site: BlockItems
    contrast: BlockItems
    implanted_device: BlockItems
    device_trial: BlockItems
    numb_limb: BlockItems
    pain_diary: BlockItems
    near_spine: BlockItems = Field(
        description="The 911 line for pressure on the nerves of the spine (bleeding, infection, a slipped disc):"
        " where near_spine is set."
    )
    driver: BlockItems = Field(
        default_factory=BlockItems,
        description="An adult to drive the patient home: added where clinic.yaml's policies.driver_required says,"
        " and wherever numb_limb or needs_driver is set.",
    )

    def switched_on(self, handout: Handout, driver_required: str) -> list[BlockItems]:
        flags = handout.flags
        procedure = handout.kind == "procedure" or flags.every_procedure
        driver = (
            flags.numb_limb
            or flags.needs_driver
            or {"all": procedure, "sedation": flags.sedation}.get(driver_required, False)
        )
        chosen = [self.every_procedure] if procedure else []
        if flags.sedation:
            chosen += [self.sedation_always if flags.sedation_always else self.sedation, self.sedation_medicines]
        chosen += [self.driver] if driver else []
        chosen += [self.numb_limb] if flags.numb_limb else []
        chosen += [self.steroid] if flags.steroid else []
        if flags.bleeding_risk is not BleedingRisk.none:
            bleeding = "trial" if flags.device_trial else flags.bleeding_risk.value
            chosen.append(getattr(self, f"bleeding_{bleeding}"))
        chosen += [self.bleeding_varies_by_site] if flags.bleeding_varies_by_site else []
        chosen += [self.near_spine] if flags.near_spine else []
        chosen += [self.contrast] if flags.contrast else []
        chosen += [self.implanted_device] if flags.implanted_device else []
        chosen += [self.device_trial] if flags.device_trial else []
        chosen += [self.pain_diary] if flags.pain_diary else []
        return chosen


def with_blocks(handout: Handout, blocks: Blocks, driver_required: str) -> Handout:
    """The handout as printed: its own items first, then those of every block its flags switch on
    (the driver block where `driver_required`, the clinic's policy, or a numb limb asks for it)."""
    merged = {name: list(getattr(handout, name)) for name in BlockItems.model_fields}
    for block in blocks.switched_on(handout, driver_required):
        for name in merged:
            merged[name] += getattr(block, name)
    return handout.model_copy(update=merged)
