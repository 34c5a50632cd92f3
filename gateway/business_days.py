"""Business days in France: weekends and public holidays, by the ticket's area.

Late cases are counted in business days, as the A+ web application does. The
holidays come from the maintained ``holidays`` library rather than a table of
our own: Easter-based dates, the Alsace-Moselle extra days (Good Friday and
26 December for 57, 67 and 68) and the abolition-of-slavery days of each
overseas département are its job, and it follows changes in the law.

Dates are the local calendar dates of the area (mainland time, or the
overseas département's own time zone): a mail sent at 23:30 in Paris on a
Friday counts from that Friday, whatever UTC says.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

PARIS = ZoneInfo("Europe/Paris")
#: Overseas départements have their own holidays and their own clock.
OVERSEAS_ZONES = {
    "971": "America/Guadeloupe", "972": "America/Martinique", "973": "America/Cayenne",
    "974": "Indian/Reunion", "976": "Indian/Mayotte",
}
#: Where the library's subdivision is not the département code: Alsace is one subdivision for 67 and 68.
SUBDIVISIONS = {"57": "57", "67": "6AE", "68": "6AE", **{code: code for code in OVERSEAS_ZONES}}


def business_days_between(start: datetime, end: datetime, area_code: str | None) -> int:
    """How many business days have begun after ``start``'s day, up to ``end``'s day included.

    Opened on a Friday, answered the next Wednesday: 3 (Monday, Tuesday,
    Wednesday). Zero when ``end`` is on the same day or before.
    """
    zone = _zone(area_code)
    first, last = _local(start, zone).date(), _local(end, zone).date()
    count, day = 0, first + timedelta(days=1)
    while day <= last:
        if is_business_day(day, area_code):
            count += 1
        day += timedelta(days=1)
    return count


def add_business_days(start: datetime, days: int, area_code: str | None) -> datetime:
    """The moment ``days`` business days after ``start``, same local time of day.

    A start on a weekend or a holiday counts from the beginning (00:00) of the
    next business day: a request written on Saturday is 3 business days old on
    Thursday at midnight, not on Wednesday.
    """
    zone = _zone(area_code)
    local = _local(start, zone)
    if not is_business_day(local.date(), area_code):
        day = local.date()
        while not is_business_day(day, area_code):
            day += timedelta(days=1)
        local = datetime.combine(day, time(0, 0), zone)
    day, remaining = local.date(), days
    while remaining > 0:
        day += timedelta(days=1)
        if is_business_day(day, area_code):
            remaining -= 1
    moved = datetime.combine(day, local.timetz().replace(tzinfo=None), zone)
    return moved.astimezone(timezone.utc)


def is_business_day(day: date, area_code: str | None) -> bool:
    return day.weekday() < 5 and day not in _holidays(_subdivision(area_code), day.year)


def holiday_name(day: date, area_code: str | None) -> str | None:
    """The holiday's name (French), or None: shown when explaining a reminder's date."""
    return _holidays(_subdivision(area_code), day.year).get(day)


@lru_cache(maxsize=64)
def _holidays(subdivision: str | None, year: int):
    return holidays.France(subdiv=subdivision, years=year, language="fr")


def _subdivision(area_code: str | None) -> str | None:
    return SUBDIVISIONS.get((area_code or "").strip().upper())


def _zone(area_code: str | None) -> ZoneInfo:
    name = OVERSEAS_ZONES.get((area_code or "").strip())
    return ZoneInfo(name) if name else PARIS


def _local(moment: datetime, zone: ZoneInfo) -> datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(zone)
