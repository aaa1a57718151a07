"""Rituals and solo slots: the recurring time a couple keeps (a weekly date night, a
morning coffee, "Thursday evenings are mine"), in three kinds: solo (one partner's
protected time), joint, and flexible.

A ritual's when is a :class:`RitualRule`: its recurrence as an RFC 5545 ``RRULE``, a
time of day, a duration and a time zone. Rituals adapt: changing the rule ends the
current one the day before the new one starts and keeps it, so a ritual's history reads
"weekly on Fridays until 3 May, then monthly on the first Saturday". One occurrence can be
skipped or moved (:class:`RitualException`) without touching the rule.

The RRULE text is the one description of a recurrence: ``occurrences`` expands it with
dateutil, and the calendar feed hands the same text to calendar apps.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship

from goalmap.extensions import db
from goalmap.models.allocations import Hours
from goalmap.models.base import PartnershipRecord, unguessable_id, unique_where, utcnow
from goalmap.models.people import User

RITUAL_KINDS = {
    "solo": "Solo time",
    "joint": "Together",
    "flexible": "Flexible time",
}
FREQUENCIES = {
    "weekly": "Every week",
    "fortnightly": "Every two weeks",
    "monthly_day": "Every month, on a day of the month",
    "monthly_weekday": "Every month, on a weekday (the first Saturday …)",
    "quarterly": "Every three months",
}
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# What a rule is made of besides its days (a form's fields, an export's columns).
RULE_FIELDS = ("frequency", "weekdays", "month_day", "nth", "at", "minutes", "time_zone")
# The rules that fall on days of the week: weekly and fortnightly ones on one or more,
# a monthly one on one weekday (the first Saturday …).
ON_WEEKDAYS = ("weekly", "fortnightly", "monthly_weekday")
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}


def _one_of(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def weekdays_fit(frequency: str, days) -> bool:
    """Whether ``days`` suit a rule of ``frequency``: some for a weekly or fortnightly
    rule, exactly one for a monthly rule on a weekday (the others take none)."""
    if frequency == "monthly_weekday":
        return len(days) == 1
    return bool(days) or frequency not in ON_WEEKDAYS


def month_days(day: int) -> str:
    """BYMONTHDAY and BYSETPOS for "on the ``day``th": a month without that day (the 31st
    in April, the 30th in February) has it on its last day instead, not never."""
    if day <= 28:
        return f"BYMONTHDAY={day}"
    return f"BYMONTHDAY={','.join(str(d) for d in range(28, day + 1))};BYSETPOS=-1"


class Ritual(PartnershipRecord, db.Model):
    """A recurring slot of time: whose (a solo slot is one partner's; a joint ritual is
    the couple's; flexible time may be either), what, and, optionally, the goal it serves.

    Its kind and owner are fixed once made (they decide how its hours count, also in
    quarters already reviewed); its words, privacy and goal may change, by version."""

    __tablename__ = "rituals"
    __table_args__ = (
        CheckConstraint(_one_of("kind", RITUAL_KINDS), name="kind"),
        CheckConstraint(
            "(kind = 'solo' AND owner_id IS NOT NULL) OR (kind = 'joint' AND owner_id IS NULL)"
            " OR kind = 'flexible'",
            name="owner",
        ),
        CheckConstraint("is_private = false OR kind = 'solo'", name="private_solo"),
    )

    # Unguessable: a partner's private slots must not show in the gaps between ids.
    id: Mapped[int] = mapped_column(primary_key=True, default=unguessable_id)
    kind: Mapped[str] = mapped_column(String(10))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # What it is, read only through scoping.scoped(Ritual) as ``title``: NULL where the
    # viewer may not read it (a partner's private solo slot is "solo time", never what).
    what: Mapped[str] = mapped_column("title", String(200), deferred=True, deferred_raiseload=True)
    title: Mapped[str | None] = query_expression()
    is_private: Mapped[bool] = mapped_column(default=False)
    goal_id: Mapped[int | None] = mapped_column(ForeignKey("goals.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    deleted_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)

    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    rules: Mapped[list["RitualRule"]] = relationship(
        order_by="RitualRule.starts_on, RitualRule.created_at",
        back_populates="ritual",
        lazy="raise",
    )
    exceptions: Mapped[list["RitualException"]] = relationship(
        order_by="RitualException.day", lazy="raise"
    )

    @property
    def is_shared(self) -> bool:
        return self.owner_id is None

    def editable_by(self, user: User) -> bool:
        """A solo slot (or a partner's own flexible time) is its owner's; a shared one,
        both partners'."""
        return self.owner_id is None or self.owner_id == user.id


class RitualRule(PartnershipRecord, db.Model):
    """When a ritual happens, from ``starts_on`` until ``until`` (open: for good).

    One rule per ritual is current (``replaced_at`` unset); a change replaces it and
    keeps it, with ``until`` set to the day before the new rule starts."""

    __tablename__ = "ritual_rules"
    __table_args__ = (
        CheckConstraint(_one_of("frequency", FREQUENCIES), name="frequency"),
        CheckConstraint("minutes BETWEEN 5 AND 1440", name="minutes"),
        CheckConstraint("until IS NULL OR until >= starts_on", name="until"),
        CheckConstraint("month_day IS NULL OR month_day BETWEEN 1 AND 31", name="month_day"),
        CheckConstraint("nth IS NULL OR nth IN (-1, 1, 2, 3, 4)", name="nth"),
        unique_where("uq_ritual_rules_current", "ritual_id", where="replaced_at IS NULL"),
    )

    ritual_id: Mapped[int] = mapped_column(ForeignKey("rituals.id", ondelete="CASCADE"), index=True)
    frequency: Mapped[str] = mapped_column(String(16))
    weekdays: Mapped[str] = mapped_column(String(20), default="")  # "MO,TH"
    month_day: Mapped[int | None]
    nth: Mapped[int | None]  # monthly on a weekday: the first … fourth, or -1 the last
    at: Mapped[time]
    minutes: Mapped[int]
    time_zone: Mapped[str] = mapped_column(String(64))
    starts_on: Mapped[date]
    until: Mapped[date | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    replaced_at: Mapped[datetime | None]

    ritual: Mapped[Ritual] = relationship(back_populates="rules", lazy="raise")

    @property
    def days(self) -> list[str]:
        return [day for day in (self.weekdays or "").split(",") if day]

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.minutes)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def rrule(self) -> str:
        """The recurrence as an RFC 5545 RRULE value, without its end (``until`` is a
        date in the rule's zone; see :meth:`until_utc`)."""
        match self.frequency:
            case "weekly" | "fortnightly":
                interval = ";INTERVAL=2" if self.frequency == "fortnightly" else ""
                return f"FREQ=WEEKLY{interval};BYDAY={','.join(self.days)};WKST=MO"
            case "monthly_day":
                return f"FREQ=MONTHLY;{month_days(self.month_day or self.starts_on.day)}"
            case "monthly_weekday":
                day = self.days[0] if self.days else WEEKDAYS[self.starts_on.weekday()]
                return f"FREQ=MONTHLY;BYDAY={self.nth or 1}{day}"
            case _:  # quarterly: every three months on the day it starts
                return f"FREQ=MONTHLY;INTERVAL=3;{month_days(self.starts_on.day)}"

    def first_start(self) -> datetime:
        """The rule's DTSTART: its first day at its time, in its zone."""
        return datetime.combine(self.starts_on, self.at, self.zone)

    def until_utc(self) -> datetime | None:
        """The last moment an occurrence may start (the end of ``until`` in the rule's
        zone), in UTC, as RFC 5545 wants UNTIL with a zoned DTSTART."""
        if self.until is None:
            return None
        end = datetime.combine(self.until, time(23, 59, 59), self.zone)
        return end.astimezone(ZoneInfo("UTC"))

    def starts_between(self, first: date, last: date) -> list[datetime]:
        """The zoned start of every occurrence on a day from ``first`` to ``last``
        (inclusive, in the rule's zone), before exceptions."""
        begin = max(first, self.starts_on)
        end = min(last, self.until) if self.until else last
        if begin > end:
            return []
        # Naive: wall-clock time in the rule's zone.
        dtstart = datetime.combine(self._expand_from(begin), self.at)
        rule = rrulestr(self.rrule, dtstart=dtstart)
        zone = self.zone
        return [
            moment.replace(tzinfo=zone)
            for moment in rule.between(
                datetime.combine(begin, time.min), datetime.combine(end, time.max), inc=True
            )
        ]

    def _expand_from(self, begin: date) -> date:
        """Where to start expanding for occurrences from ``begin`` on: ``starts_on``, or a
        day whole periods of the rule later (same weekday; same place in the months'
        cycle), two periods clear of ``begin``. dateutil walks every occurrence from its
        start, so a quarter decades after a ritual began would otherwise cost thousands."""
        if self.frequency in ("weekly", "fortnightly"):
            step = 14 if self.frequency == "fortnightly" else 7
            periods = (begin - self.starts_on).days // step - 2
            return self.starts_on + timedelta(days=step * max(periods, 0))
        # Monthly rules fall on a day of the month or a weekday of it that the rule names,
        # never on the start's own day: from the first of a later month is the same.
        step = 3 if self.frequency == "quarterly" else 1
        months = (begin.year - self.starts_on.year) * 12 + begin.month - self.starts_on.month
        periods = months // step - 2
        if periods <= 0:
            return self.starts_on
        month = self.starts_on.month - 1 + periods * step
        return date(self.starts_on.year + month // 12, month % 12 + 1, 1)

    def describe(self) -> str:
        """The rule in words: "Every week on Monday and Thursday at 19:00 for 2 h"."""
        names = [WEEKDAY_NAMES[WEEKDAYS.index(day)] for day in self.days]
        match self.frequency:
            case "weekly":
                when = f"Every week on {_and(names)}"
            case "fortnightly":
                when = f"Every two weeks on {_and(names)}"
            case "monthly_day":
                when = f"Every month on day {self.month_day}"
            case "monthly_weekday":
                when = f"Every month on the {ORDINALS[self.nth or 1]} {_and(names)}"
            case _:
                when = f"Every three months on day {self.starts_on.day}"
        return f"{when} at {self.at:%H:%M} for {_length(self.minutes)}"


def _and(words: list[str]) -> str:
    return " and ".join([", ".join(words[:-1]), words[-1]]) if len(words) > 1 else "".join(words)


def _length(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest} min" if rest else f"{hours} h"


class RitualException(PartnershipRecord, db.Model):
    """One occurrence of a ritual skipped (``moved_to`` unset) or moved, by the day it
    would have been on; the rule stays as it is. One per occurrence."""

    __tablename__ = "ritual_exceptions"
    __table_args__ = (UniqueConstraint("ritual_id", "day"),)

    ritual_id: Mapped[int] = mapped_column(ForeignKey("rituals.id", ondelete="CASCADE"))
    day: Mapped[date]  # the occurrence's own day, in its rule's zone
    moved_to: Mapped[datetime | None]  # wall-clock in the rule's zone
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RitualHours(PartnershipRecord, db.Model):
    """What rituals took from a member in a quarter, kept when the quarter is reviewed:
    a reviewed quarter is a record, whatever later becomes of its rituals."""

    __tablename__ = "ritual_hours"
    __table_args__ = (UniqueConstraint("quarter_id", "user_id"),)

    quarter_id: Mapped[int] = mapped_column(ForeignKey("quarters.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    personal_hours: Mapped[Decimal] = mapped_column(Hours)  # a week, on average
    shared_hours: Mapped[Decimal] = mapped_column(Hours)


@dataclass(frozen=True)
class Occurrence:
    """One occurrence of a ritual as it will happen: its start and end (zoned), the day it
    was planned on, and whether it was moved there."""

    ritual: Ritual
    rule: RitualRule
    starts: datetime
    ends: datetime
    planned_on: date
    moved: bool = False


def occurrences(ritual: Ritual, rules, exceptions, first: date, last: date) -> list[Occurrence]:
    """``ritual``'s occurrences that start on a day from ``first`` to ``last`` (inclusive,
    each in its rule's zone), with its skipped ones left out and moved ones where they
    went. ``rules`` and ``exceptions`` are the ritual's (loaded by the caller, once for
    many rituals)."""
    by_day = {exception.day: exception for exception in exceptions}
    found = []
    margin = timedelta(days=62)  # an occurrence may be moved in (up to 31 days) from outside
    for rule in rules:
        zone = rule.zone
        for start in rule.starts_between(first - margin, last + margin):
            planned_on = start.date()
            exception = by_day.get(planned_on)
            if exception is not None and exception.moved_to is None:
                continue  # skipped
            moved = exception is not None
            if moved:
                start = exception.moved_to.replace(tzinfo=zone)
            if first <= start.date() <= last:
                found.append(
                    Occurrence(ritual, rule, start, start + rule.duration, planned_on, moved)
                )
    return sorted(found, key=lambda occurrence: occurrence.starts)
