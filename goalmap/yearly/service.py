"""Domain functions of the yearly review.

When it falls: on the day the couple picked (``Partnership.review_month``/``review_day``),
else on the anniversary of the day their first quarter began; the first review at least
half a year after that day, each next one at least half a year after the last. A review
can be started from 30 days before its day, and any time after a day nobody started.
It looks back from the day after the last review (the first one: from the first quarter's
first day) to its day.

What it shows of the year (``year``) is read live, as the member may see it, until the
review is kept. Keeping it stores the year as every member could see it (``common``):
a partner's private goal's win shows as "a private win" if its owner shared it, else not
at all, for both of them; so the kept row holds nothing one member may not read.
"""

import calendar
import json
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import update

from goalmap.contracts import queries as contracts
from goalmap.database import once
from goalmap.extensions import db
from goalmap.filters import day_text
from goalmap.flexibility import queries as flexibility
from goalmap.models import (
    REVIEW_QUESTIONS,
    RITUAL_KINDS,
    WIN_KINDS,
    User,
    YearlyAnswer,
    YearlyReview,
    utcnow,
)
from goalmap.resources import service as resources
from goalmap.rituals import service as rituals
from goalmap.wins import queries as wins
from goalmap.yearly import queries

EARLY = timedelta(days=30)  # a review can be started this long before its day
APART = timedelta(days=182)  # and comes at least half a year after the one before
ACTIONS = {
    "pause": "Paused",
    "resume": "Resumed",
    "shrink": "Made smaller",
    "defer": "Moved to the next quarter",
    "drop": "Dropped",
}
KEPT = "This review is kept: it stays as it was and no longer changes."


class Refused(Exception):
    """Not possible now (not due yet, kept already, not everyone answered); the message
    says why."""


def on(year: int, month: int, day: int) -> date:
    """``month``/``day`` in ``year``; 29 February is the 28th in other years."""
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def after(day: date, month: int, of_month: int) -> date:
    """The first ``month``/``of_month`` after ``day``."""
    this_year = on(day.year, month, of_month)
    return this_year if this_year > day else on(day.year + 1, month, of_month)


def _day(day: date) -> str:
    """A day as a kept review stores it: with its year, since the record outlasts it."""
    return day_text(day, year=True)


@dataclass(frozen=True)
class Schedule:
    """When the partnership's reviews fall, seen on ``today``."""

    first_day: date | None  # the first quarter's first day (None: no quarter yet)
    chosen: bool  # the couple picked the day (else: the anniversary)
    next_day: date | None  # the next review day not held yet (it may have passed)
    due: date | None  # the review day a review can be started for now
    starts_on: date | None  # what a review started now looks back from
    today: date

    @property
    def opens_on(self) -> date | None:
        return self.next_day - EARLY if self.next_day else None


def schedule(user: User) -> Schedule:
    """When ``user``'s partnership reviews its year next, and whether it can start now."""
    partnership = user.partnership
    today = partnership.today()
    first = queries.first_day(user)
    if first is None:
        return Schedule(None, False, None, None, None, today)
    chosen = partnership.review_month is not None and partnership.review_day is not None
    month, of_month = (
        (partnership.review_month, partnership.review_day) if chosen else (first.month, first.day)
    )
    last = queries.last_day(user)
    day, due = after((last or first) + APART, month, of_month), None
    while day - EARLY <= today:  # a later day that opened replaces one nobody started
        due, day = day, after(day, month, of_month)
    starts_on = last + timedelta(days=1) if last else first
    return Schedule(first, chosen, due or day, due, starts_on, today)


def start(user: User, day: date) -> YearlyReview:
    """The review of the year ending on ``day`` (the due one, as the member's page showed
    it): made now, or the one a partner made a moment before."""
    # When first, then whether it exists: a partner's review saved in between is found
    # (PostgreSQL reads each statement as committed at its start), not taken for a held
    # one that moved the day on.
    plan = schedule(user)
    existing = queries.review_on(user, day)
    if existing is not None:
        return existing
    if plan.first_day is None:
        raise Refused("Plan your first quarter first: the yearly review looks back on it.")
    if plan.due is None:
        raise Refused(
            f"Your next yearly review is on {day_text(plan.next_day, year=True)}; "
            f"you can start it from {day_text(plan.opens_on, year=True)}."
        )
    if plan.due != day:
        raise Refused("Your review day changed meanwhile; look at the yearly review page again.")
    review = YearlyReview(
        partnership_id=user.partnership_id,
        starts_on=plan.starts_on,
        ends_on=day,
        questions_json=json.dumps(list(REVIEW_QUESTIONS), ensure_ascii=False),
        created_by_id=user.id,
    )
    if once(lambda: db.session.add(review)):
        return review
    return queries.review_on(user, day)  # the partner pressed at the same moment


def answer(review: YearlyReview, user: User, replies: list[str]) -> bool:
    """``user``'s answers to the review's questions, given once; False when they had
    answered already (a second tab, a double click)."""
    if review.is_kept:
        raise Refused(KEPT)
    row = YearlyAnswer(
        partnership_id=review.partnership_id,
        review_id=review.id,
        user_id=user.id,
        answers_json=json.dumps(replies, ensure_ascii=False),
    )
    return once(lambda: db.session.add(row))


def decide(review: YearlyReview, user: User, keep: str, change: str, seen: int) -> bool:
    """Record what the couple keeps and what they change, over version ``seen``; False,
    and nothing written, when someone saved another version meanwhile (``review`` is then
    as saved)."""
    saved = db.session.execute(
        update(YearlyReview)
        .where(
            YearlyReview.id == review.id,
            YearlyReview.version == seen,
            YearlyReview.state == "open",
        )
        .values(keep=keep, change=change, version=YearlyReview.version + 1),
        execution_options={"synchronize_session": False},
    ).rowcount
    db.session.refresh(review)
    if saved != 1 and review.is_kept:
        raise Refused(KEPT)
    return saved == 1


def missing(review: YearlyReview, user: User) -> list[str]:
    """What keeps the review from being kept, in words (nothing: it can be kept)."""
    answered = queries.answered(review)
    waiting = [
        "you have not answered yet"
        if member.id == user.id
        else f"{member.display_name} has not answered yet"
        for member in user.partnership.members
        if member.id not in answered
    ]
    if not (review.keep or review.change):
        waiting.append("what you keep and what you change is not written down yet")
    return waiting


def keep(review: YearlyReview, user: User, seen: int) -> None:
    """Keep the review as it stands at version ``seen``: read-only from now on, with the
    year stored as every member could see it."""
    if review.is_kept:
        raise Refused(KEPT)
    waiting = missing(review, user)
    if waiting:
        raise Refused(f"Not yet: {'; '.join(waiting)}.")
    summary = json.dumps({"year": common(review, user.partnership.members)}, ensure_ascii=False)
    kept = db.session.execute(
        update(YearlyReview)
        .where(
            YearlyReview.id == review.id,
            YearlyReview.version == seen,
            YearlyReview.state == "open",
        )
        .values(
            state="kept",
            summary_json=summary,
            kept_at=utcnow(),
            kept_by_id=user.id,
            version=YearlyReview.version + 1,
        ),
        execution_options={"synchronize_session": False},
    ).rowcount
    db.session.refresh(review)
    if kept != 1:
        raise Refused(
            "This review was kept a moment ago."
            if review.is_kept
            else "What you keep and change was edited meanwhile; read it again, then keep it."
        )


# -- what the review shows of the year ---------------------------------------------------


def year(review: YearlyReview, user: User) -> dict:
    """The year as ``review`` shows it to ``user``: as kept, or read now."""
    if review.is_kept:
        return json.loads(review.summary_json)["year"]
    return shown(facts(review, user), user.partnership.members)


def facts(review: YearlyReview, user: User) -> dict:
    """What ``user`` may see of the review's year, by id, so members' views can be
    compared (``common``)."""
    first, last = review.starts_on, review.ends_on
    won = {
        win.id: {
            "title": win.title,
            "kind": win.kind,
            "owner": win.owner_id,
            "by": win.user_id,
            "on": win.created_at.date(),
        }
        for win in wins.between(user, first, last)
    }
    closed = {}
    for state in ("completed", "released"):
        for contract in contracts.contracts(user, state=state):
            if contract.closed_at and first <= contract.closed_at.date() <= last:
                terms = contract.current or (contract.terms[-1] if contract.terms else None)
                closed[contract.id] = {
                    "state": state,
                    "owner": contract.owner_id,
                    "commitment": terms.commitment if terms else "",
                    "reflection": contract.reflection if state == "released" else "",
                    "on": contract.closed_at.date(),
                }
    entries = [
        entry
        for entry in flexibility.entries(user)
        if first <= entry.happened_on <= last and entry.state != "withdrawn"
    ]
    ids = [entry.id for entry in entries]
    decisions = {
        decision.id: {
            "entry": decision.entry_id,
            "action": decision.action,
            "goal": decision.goal.title if decision.goal else None,
            "reason": decision.reason,
        }
        for rows in flexibility.decisions(ids, user).values()
        for decision in rows
        if decision.state == "applied"
    }
    quarters = queries.quarters_from(user, first)
    balance = [
        {
            "quarter": row.quarter.name,
            "shares": {str(member): percent for member, percent in row.shared_percent.items()},
            "overall": row.partnership_percent,
        }
        for row in (resources.history(user, quarters) if quarters else [])
        if first <= row.quarter.starts_on <= last
    ]
    return {
        "wins": won,
        "rituals": rituals.adapted(user, first, last),
        "contracts": closed,
        "entries": entries,
        "decisions": decisions,
        "hidden": flexibility.hidden_decisions(ids, user),
        "balance": balance,
    }


def common(review: YearlyReview, members: list[User]) -> dict:
    """The year as every one of ``members`` may see it: what one of them alone may see
    is left out, and a win's title only where each may read it."""
    views = [facts(review, member) for member in members]
    shared = {
        key: {
            ident: row
            for ident, row in views[0][key].items()
            if all(ident in v[key] for v in views)
        }
        for key in ("wins", "rituals", "contracts", "decisions")
    }
    for key in ("wins", "rituals"):  # the title where every member may read it
        for ident, row in shared[key].items():
            if any(view[key][ident]["title"] is None for view in views):
                shared[key][ident] = {**row, "title": None}
    hidden: dict = {}
    for view in views:
        for entry_id, owners in view["hidden"].items():
            for owner, number in owners.items():
                counts = hidden.setdefault(entry_id, {})
                counts[owner] = max(counts.get(owner, 0), number)
    return shown({**views[0], **shared, "hidden": hidden}, members)


def shown(found: dict, members: list[User]) -> dict:
    """``facts`` as the page draws them: plain values, so a kept review stores them as
    they were."""
    names = {member.id: member.display_name for member in members}

    def who(user_id: int | None) -> str:
        return names.get(user_id, "A former member")

    by_owner: dict = {}
    for win in sorted(found["wins"].values(), key=lambda w: w["on"]):
        by_owner.setdefault(win["owner"], []).append(
            {
                "title": win["title"],
                "kind": WIN_KINDS.get(win["kind"], win["kind"]),
                "by": who(win["by"]),
                "on": _day(win["on"]),
            }
        )
    groups = [
        {
            "heading": member.display_name,
            "colour": member.colour[1:],
            "wins": by_owner.pop(member.id, []),
        }
        for member in members
    ]
    groups.append({"heading": "Together", "colour": None, "wins": by_owner.pop(None, [])})
    for owner, rows in by_owner.items():  # a former member's wins
        groups.append({"heading": who(owner), "colour": None, "wins": rows})
    closed = sorted(found["contracts"].values(), key=lambda c: c["on"])
    contract_rows = [
        {
            "state": contract["state"],
            "owner": who(contract["owner"]),
            "commitment": contract["commitment"],
            "reflection": contract["reflection"],
            "on": _day(contract["on"]),
        }
        for contract in closed
    ]
    changes = []
    for entry in sorted(found["entries"], key=lambda e: e.happened_on):
        changes.append(
            {
                "event": entry.event,
                "kind": entry.kind,
                "on": _day(entry.happened_on),
                "agreed": entry.state == "agreed",
                "decisions": [
                    {
                        "action": ACTIONS.get(row["action"], row["action"]),
                        "goal": row["goal"],
                        "reason": row["reason"],
                    }
                    for row in found["decisions"].values()
                    if row["entry"] == entry.id
                ],
                "hidden": [
                    {"owner": owner, "number": number}
                    for owner, number in sorted(found["hidden"].get(entry.id, {}).items())
                ],
            }
        )
    adapted = [
        {
            "title": ritual["title"] or f"{who(ritual['owner'])}’s solo time",
            "kind": RITUAL_KINDS.get(ritual["kind"], ritual["kind"]),
            "rules": [
                {"rule": rule, "from": _day(starts), "until": _day(until) if until else None}
                for rule, starts, until in ritual["rules"]
            ],
        }
        for ritual in found.get("rituals", {}).values()
    ]
    return {
        "rituals": adapted,
        "members": [
            {"id": str(member.id), "name": member.display_name, "colour": member.colour[1:]}
            for member in members
        ],
        "wins": groups,
        "kept": [row for row in contract_rows if row["state"] == "completed"],
        "let_go": [row for row in contract_rows if row["state"] == "released"],
        "changes": changes,
        "balance": found.get("balance", []),
    }
