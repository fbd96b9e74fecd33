"""The visit worked out as clock times ("Your plan"): tell us about a GLP-1 medicine by, arrive at,
last food by, clear liquids until, how long an adult stays, blood sugar checks until, no soaking until,
trial leads out, follow-up, pain-diary times. Pure functions of the visit, the clinic's policies, the
handouts' flags and today's date; no rendering here.

Times are in the clinic's time zone. On a night the clocks change, a time before the procedure is
the earlier of the wall-clock and the elapsed-time answers, a time after it the later: 8 hours'
fasting before 7:00 AM is 11:00 PM the night they fall back (9 hours pass) and 10:00 PM the night
they spring forward (8 hours pass, never 7). A time the clocks skip moves to the safe side too. A
procedure time the clocks skip, or pass twice, is refused: the desk must say which time it means.

Times after the procedure count from an on-time start, and the pain-diary line says so; the adult's
stay counts from leaving the clinic, which no one knows ahead, so it is said in hours, not as a time."""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from handouts.content import Flags, Labels
from handouts.policies import Policies
from handouts.visit import FIELDS, PastDateError, VisitError

WEEKDAY_SHORT = re.compile(r"E+")
RUNNING_DAY_PATTERNS = {"es": "EEEE d 'de' MMMM"}
"""Where a day with its weekday is written otherwise inside a sentence than Babel's pattern (a heading's):
Spanish puts no comma between the weekday and the date in running text, "el martes 8 de diciembre"."""
"""The weekday in the locale's month-day-weekday pattern, written out in full ("Tuesday", "martes")."""
NOON, MIDNIGHT = time(12), time(0)
REFERENCE_DAY = date(2000, 1, 3)
"""The day a time without its date is counted on: no clock changes on it."""
EVENING = time(18, 0)
"""A time on the day before from this hour on is "the night before"."""
SKIPPED_TIME = "the clocks skip this time that night (daylight saving time starts in {zone}); give a real time"
TWICE_TIME = "this time comes twice that night (daylight saving time ends in {zone}); give one that comes once"
GLP1_NOTICE = timedelta(days=7)
"""The sedation block asks to hear of a GLP-1 medicine at least 1 week ahead."""
GLP1_CLEAR_LIQUIDS = timedelta(days=1)
"""We may ask for clear liquids only the day before (2024 multisociety GLP-1 guidance): a plan printed
that day or later cannot give that in time."""


class Glp1Notice(StrEnum):
    """What the plan's GLP-1 row asks, by how far ahead it is printed."""

    by_day = "by_day"  # tell us by the day 1 week ahead
    today = "today"  # that day has gone by: call us today (there is still time for a day of clear liquids)
    before_you_come = "before_you_come"  # the day before or later: call before you come, we may move the procedure


@dataclass(frozen=True)
class Moment:
    """A wall-clock time and its day in the clinic's time zone."""

    day: date
    clock: time


@dataclass(frozen=True)
class VisitFlags:
    """What the handouts of one visit ask for, taken together, and the desk's sedation answer."""

    sedation: bool = False
    steroid: bool = False
    numb_limb: bool = False
    needs_driver: bool = False
    procedure: bool = False
    soaking: bool = False
    pain_diary: bool = False
    glp1: bool = False
    device_trial: bool = False

    @classmethod
    def of(cls, flags: list[Flags], procedure: bool, sedation: str, soaking: bool) -> "VisitFlags":
        """The union of the handouts' flags; the desk's sedation "yes" switches sedation on, its "no" off,
        except for a handout whose own medicine makes the patient sleepy (`sedation_always`). The GLP-1
        line is there where a handout prints the sedation block (which asks for it) or the desk plans sedation."""
        sedation_block = any(flag.sedation for flag in flags)
        always = any(flag.sedation_always for flag in flags)
        return cls(
            sedation=sedation == "yes" or always or (sedation_block and sedation != "no"),
            steroid=any(flag.steroid for flag in flags),
            numb_limb=any(flag.numb_limb for flag in flags),
            needs_driver=any(flag.needs_driver for flag in flags),
            procedure=procedure,
            soaking=soaking,
            pain_diary=any(flag.pain_diary for flag in flags),
            glp1=sedation_block or sedation == "yes",
            device_trial=any(flag.device_trial for flag in flags),
        )


@dataclass(frozen=True)
class Plan:
    """The plan's times; None where a line does not apply to this visit."""

    procedure: Moment
    arrive: Moment
    glp1_by: date | None = None
    glp1_notice: Glp1Notice | None = None
    last_food: Moment | None = None
    clear_liquids: Moment | None = None
    adult_stays_hours: int | None = None  # an adult stays this long after the patient leaves the clinic
    driver_only: bool = False
    blood_sugar: Moment | None = None
    no_soaking: Moment | None = None
    trial_ends: date | None = None
    follow_up: date | None = None
    pain_diary: tuple[Moment, ...] = ()


def shifted(day: date, clock: time, by: timedelta, zone: ZoneInfo) -> Moment:
    """`by` added to a wall-clock time, on the safe side of a clock change: of the wall-clock answer
    (either reading of it, where the clocks skip or repeat it) and the elapsed-time answer, the
    earliest for a time before the procedure, the latest for one after it."""
    wall = datetime.combine(day, clock) + by
    start = datetime.combine(day, clock, tzinfo=zone).astimezone(UTC)
    instants = [wall.replace(tzinfo=zone, fold=fold).astimezone(UTC) for fold in (0, 1)] + [start + by]
    safe = min(instants) if by < timedelta(0) else max(instants)
    local = safe.astimezone(zone).replace(tzinfo=None)
    return Moment(local.date(), local.time())


def arrival(day: date | None, procedure: time, arrive: time | None, policies: Policies) -> Moment:
    """The desk's arrival time if it gave one, else the policy's minutes before the procedure, counted
    as time that passes: where the clocks skip an hour that night, the wall clock says the earlier real
    time (1:15 AM for 60 minutes before 3:15 AM as the clocks spring forward, never 2:15 AM, which does
    not exist). A desk's time the clocks skip or show twice is refused. Without a date, the day of the
    answer is REFERENCE_DAY or the day before."""
    if arrive is not None:
        if day is not None:
            refuse_unclear_time(day, arrive, ZoneInfo(policies.time_zone), "arrive")
        return Moment(day or REFERENCE_DAY, arrive)
    before = -timedelta(minutes=policies.arrive_minutes_before)
    if day is None:
        start = datetime.combine(REFERENCE_DAY, procedure) + before
        return Moment(start.date(), start.time())
    return shifted(day, procedure, before, ZoneInfo(policies.time_zone))


def needs_driver(flags: VisitFlags, driver_required: str) -> bool:
    """The rule of `Blocks.switched_on`, with the desk's sedation answer."""
    return (
        flags.numb_limb
        or flags.needs_driver
        or {"all": flags.procedure, "sedation": flags.sedation}.get(driver_required, False)
    )


def clinic_today(policies: Policies) -> date:
    """Today's date in the clinic's time zone."""
    return datetime.now(ZoneInfo(policies.time_zone)).date()


def refuse_past_date(day: date, policies: Policies) -> None:
    """A procedure date before the clinic's today is refused: its plan would be of days gone by, and
    it is most often a mistyped year or day. The message names the field, and today, not the date."""
    today = clinic_today(policies)
    if day < today:
        raise PastDateError(
            f"{FIELDS['date']}: before today ({today.isoformat()} in {policies.time_zone}); give the day of the procedure"
        )


def refuse_unclear_time(day: date, clock: time, zone: ZoneInfo, field: str = "time") -> None:
    """A procedure (or the desk's arrival) time the clocks skip (spring forward) or show twice (fall
    back) cannot be planned from: the error names the field, not the time (a visit detail)."""
    wall = datetime.combine(day, clock)
    earlier, later = (wall.replace(tzinfo=zone, fold=fold) for fold in (0, 1))
    if earlier.utcoffset() == later.utcoffset():
        return
    skipped = earlier.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != wall
    problem = SKIPPED_TIME if skipped else TWICE_TIME
    raise VisitError(f"{FIELDS[field]}: {problem.replace('{zone}', zone.key)}")


def make_plan(
    day: date, procedure: time, arrive: time | None, policies: Policies, flags: VisitFlags, today: date
) -> Plan:
    """Every time of the plan for a procedure at `procedure` on `day`, printed on `today` (the clinic's)."""
    zone = ZoneInfo(policies.time_zone)
    refuse_unclear_time(day, procedure, zone)

    def at(hours: float) -> Moment:
        return shifted(day, procedure, timedelta(hours=hours), zone)

    driver = needs_driver(flags, policies.driver_required)
    glp1_by = day - GLP1_NOTICE if flags.glp1 else None
    return Plan(
        procedure=Moment(day, procedure),
        arrive=arrival(day, procedure, arrive, policies),
        glp1_by=glp1_by,
        glp1_notice=glp1_notice(day, today) if flags.glp1 else None,
        last_food=at(-policies.fasting_food_hours) if flags.sedation else None,
        clear_liquids=at(-policies.clear_liquids_until_hours) if flags.sedation else None,
        adult_stays_hours=policies.adult_stays_hours if driver and flags.sedation else None,
        driver_only=driver and not flags.sedation,
        blood_sugar=at(24 * policies.blood_sugar_check_days) if flags.steroid else None,
        no_soaking=at(policies.no_soaking_hours) if flags.soaking else None,
        trial_ends=day + timedelta(days=policies.trial_days) if flags.device_trial else None,
        follow_up=day + timedelta(days=policies.follow_up.days) if policies.follow_up else None,
        pain_diary=tuple(diary_moments(day, procedure, policies)) if flags.pain_diary else (),
    )


def glp1_notice(day: date, today: date) -> Glp1Notice:
    """What to ask of a patient on a GLP-1 medicine, for a procedure on `day` planned on `today`."""
    if today >= day - GLP1_CLEAR_LIQUIDS:
        return Glp1Notice.before_you_come
    return Glp1Notice.today if today > day - GLP1_NOTICE else Glp1Notice.by_day


def diary_moments(day: date, procedure: time, policies: Policies) -> list[Moment]:
    """The clock times to rate pain after the procedure (policies.pain_diary_minutes)."""
    zone = ZoneInfo(policies.time_zone)
    return [shifted(day, procedure, timedelta(minutes=minutes), zone) for minutes in policies.pain_diary_minutes]


def night_before(moment: Moment, procedure_day: date) -> bool:
    """An evening time on the day before the procedure."""
    return moment.day == procedure_day - timedelta(days=1) and moment.clock >= EVENING


def evening_day(moment: Moment) -> date:
    """The day a time is read as belonging to: midnight and the hour after it end the evening of the
    day before ("12:30 AM" on Tuesday is Monday night to most readers)."""
    return moment.day - timedelta(days=1) if moment.clock.hour == 0 else moment.day


def day_text(day: date, language: str) -> str:
    """A day with its weekday as the language writes it inside a sentence: "Tuesday, December 8",
    "martes 8 de diciembre"."""
    from babel.dates import format_date

    from handouts.locales import babel_locale

    locale = babel_locale(language)
    babel_pattern = WEEKDAY_SHORT.sub("EEEE", locale.datetime_skeletons["MMMMEd"].pattern)
    pattern = RUNNING_DAY_PATTERNS.get(language, babel_pattern)
    return format_date(day, format=pattern, locale=locale)


def filled(pattern: str, values: dict[str, str]) -> str:
    """A label's {name} placeholders filled in."""
    for name, value in values.items():
        pattern = pattern.replace("{" + name + "}", value)
    return pattern


def time_phrase(clock: time, labels: Labels) -> str:
    """The label pattern of a time after a row's label: "las {time}", "la {time}" at one o'clock in
    Spanish ("las 12:00 p. m. (mediodía)")."""
    return labels.plan_clock_one if clock.hour % 12 == 1 else labels.plan_clock


def moment_text(moment: Moment, procedure_day: date, labels: Labels, language: str) -> str:
    """ "11:00 PM the night before (Monday, December 7)", "7:00 AM, Wednesday, December 9", or
    "midnight (12:00 AM) on the night of Monday, December 7"."""
    from babel.dates import format_date, format_skeleton

    from handouts.locales import babel_locale
    from handouts.render import named_time  # render imports this module

    if moment.clock.hour == 0:
        pattern = labels.plan_midnight
    elif night_before(moment, procedure_day):
        pattern = labels.plan_night_before
    else:
        pattern = labels.plan_time_day
    day, locale = evening_day(moment), babel_locale(language)
    clock = time_phrase(moment.clock, labels).replace("{time}", named_time(moment.clock, labels, language))
    return filled(
        pattern,
        {
            "time": clock,
            "weekday": format_date(day, "EEEE", locale=locale),
            "date": format_skeleton("MMMMd", day, locale=locale),
        },
    )


def diary_rows(day: date, procedure: time, policies: Policies, labels: Labels, language: str) -> list[str]:
    """The pain log's rows: just before the shot, then how long after it, with the clock time that is
    if we start on time ("30 minutes after: about 7:30 AM"): the block's effect counts from the shot,
    which may start late."""
    from handouts.locales import babel_locale
    from handouts.policies import duration_text

    locale = babel_locale(language)
    moments = diary_moments(day, procedure, policies)
    after = [
        filled(
            labels.plan_diary_row,
            {
                "after": duration_text(minutes, locale),
                "time": time_phrase(moment.clock, labels).replace("{time}", diary_text(moment, day, labels, language)),
            },
        )
        for minutes, moment in zip(policies.pain_diary_minutes, moments, strict=True)
    ]
    return [labels.plan_just_before, *after]


def diary_text(moment: Moment, procedure_day: date, labels: Labels, language: str) -> str:
    """A pain-diary time: the clock time, and its day when that is not the procedure's. It comes after
    the procedure, so never on a day before the procedure's (12:30 AM after a procedure at midnight is
    the procedure's day, as the box says, not the night before)."""
    from handouts.render import named_time

    day = max(evening_day(moment), procedure_day)
    return named_time(moment.clock, labels, language) + (
        "" if day == procedure_day else f" ({day_text(day, language)})"
    )


def arrive_text(arrive: Moment, procedure_day: date, labels: Labels, language: str) -> str:
    """The appointment box's arrival time; one on the day before the procedure is "the night before"."""
    from handouts.render import named_time

    text = named_time(arrive.clock, labels, language)
    return labels.arrive_night_before.replace("{time}", text) if arrive.day < procedure_day else text


def glp1_row(plan: Plan, labels: Labels, language: str) -> tuple[str, str | None]:
    """The day to tell us of a GLP-1 medicine; "call us today" once that day has gone by; "call us
    before you come" from the day before, too late for a day of clear liquids."""
    if plan.glp1_by is None or plan.glp1_notice is None:
        return labels.plan_glp1, None
    if plan.glp1_notice is Glp1Notice.before_you_come:
        return labels.plan_glp1_too_late, ""
    if plan.glp1_notice is Glp1Notice.today:
        return labels.plan_glp1_late, ""
    return labels.plan_glp1, day_text(plan.glp1_by, language)


def adult_stays_text(hours: int | None, labels: Labels, language: str) -> str | None:
    """ "for 24 hours after you leave the clinic": counted from leaving, which no one knows ahead (a
    procedure runs late, an infusion runs hours), so no clock time; None when no adult need stay."""
    from babel.units import format_unit

    from handouts.locales import babel_locale

    if hours is None:
        return None
    duration = format_unit(hours, "duration-hour", length="long", locale=babel_locale(language))
    return labels.plan_adult_stays_for.replace("{hours}", duration)


def sedation_text(sedation: str, labels: Labels) -> str | None:
    """The desk's sedation answer as the plan prints it; None when it is not known."""
    return {"yes": labels.plan_sedation_yes, "no": labels.plan_sedation_no}.get(sedation)


def plan_rows(plan: Plan, labels: Labels, language: str, follow_up: str | None, sedation: str) -> list[tuple[str, str]]:
    """The plan as printed: (label, time) per line that applies, in the order of the day, after the
    desk's sedation answer ("yes", "no" or "unknown"). A line without a time is a sentence of its own."""
    from babel.lists import format_list

    from handouts.locales import babel_locale

    day = plan.procedure.day

    def text(moment: Moment | None) -> str | None:
        return None if moment is None else moment_text(moment, day, labels, language)

    diary = [diary_text(moment, day, labels, language) for moment in plan.pain_diary]
    lines: list[tuple[str, str | None]] = [
        (labels.plan_sedation, sedation_text(sedation, labels)),
        glp1_row(plan, labels, language),
        (labels.plan_last_food, text(plan.last_food)),
        (labels.plan_clear_liquids, text(plan.clear_liquids)),
        (labels.plan_after_clear_liquids, "" if plan.clear_liquids else None),
        (labels.plan_arrive, text(plan.arrive)),
        (labels.plan_driver, day_text(day, language) if plan.driver_only else None),
        (labels.plan_pain_diary, format_list(diary, locale=babel_locale(language)) if diary else None),
        (labels.plan_adult_stays, adult_stays_text(plan.adult_stays_hours, labels, language)),
        (labels.plan_no_soaking, text(plan.no_soaking)),
        (labels.plan_blood_sugar, text(plan.blood_sugar)),
        (labels.plan_trial_ends, day_text(plan.trial_ends, language) if plan.trial_ends else None),
        (follow_up or "", day_text(plan.follow_up, language) if plan.follow_up and follow_up else None),
    ]
    return [(label, value) for label, value in lines if value is not None]
