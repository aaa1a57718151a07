"""The race harness: every route that writes, fired several times at the same moment.

SQLite serialises writers and hides races that PostgreSQL shows, so this module runs
on both (``.ci/run``). Each route that accepts a POST has a row in ``RACES``; a new
one without a row fails ``test_every_writing_route_has_a_race_row``, like the
authorization matrix. A row is either a :class:`Race`, which the generic
``test_race`` fires and checks here, or a test elsewhere in the suite that fires that
route at once in a scenario of its own.

The rule every row keeps: the answers are those a sequential run would give (one
wins; the others get a conflict, a refusal or the existing record), never a 5xx, and
the database holds no duplicate and no half-made record afterwards.
"""

import hashlib
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
import test_concurrency as scenes
import test_mail as mail_scenes
from factories import (
    PASSWORD,
    cell_positions,
    lane_of,
    load,
    logged_in,
    make_config,
    make_contract,
    make_goal,
    make_milestones,
    win_of,
)
from sqlalchemy import func, select

from goalmap import create_app
from goalmap.calendar import service as calendar
from goalmap.extensions import db
from goalmap.flexibility import service as flexibility
from goalmap.models import (
    Allocation,
    Appreciation,
    Availability,
    CalendarFeed,
    Contract,
    ContractCheckIn,
    ContractTerms,
    FlexAcknowledgement,
    FlexEntry,
    FlexFollowUp,
    Goal,
    GoalComment,
    GoalEvent,
    Invite,
    Lane,
    MailPreference,
    Milestone,
    Notification,
    Partnership,
    PasswordReset,
    PlanningSeat,
    PromptVersion,
    ProtocolVersion,
    Quarter,
    Ritual,
    RitualException,
    RitualRule,
    SharedValue,
    Stage,
    User,
    UserSession,
    WeeklyAnswer,
    Win,
    WinReaction,
    WinSeen,
    YearlyAnswer,
    YearlyReview,
)
from goalmap.notifications import service as notifications
from goalmap.rituals import service as rituals
from goalmap.yearly import service as yearly

AT_ONCE = 4


@dataclass(frozen=True)
class Race:
    """``AT_ONCE`` requests sent at the same moment, and the rule they must keep.

    ``url`` and each request's data are formatted with the world's ids. ``data`` is one
    form for every request, or a list of one form per request. ``by`` says who sends
    each: "alex", "sam" (signed in, each request from a browser of its own) or
    "anonymous". ``answers`` is the sorted list of status codes a sequential run gives,
    or, where the order decides which sequential answer a request gets (tabs of one
    browser, whose cookie the first answer changes), the set of codes each may get.
    ``holds(app, world, responses)`` asserts the rule in the database afterwards;
    ``setup(app, world)`` makes what the row needs beyond the world, and names its ids."""

    url: str
    data: dict | list[dict] = field(default_factory=dict)
    by: tuple[str, ...] = ("alex",) * AT_ONCE
    answers: list[int] | set[int] = field(default_factory=lambda: [302] * AT_ONCE)
    holds: Callable | None = None
    setup: Callable | None = None  # (app, world) -> more ids for the world

    def forms(self, world: dict) -> list[dict]:
        forms = self.data if isinstance(self.data, list) else [self.data] * len(self.by)
        return [
            {k.format(**world): str(v).format(**world) for k, v in form.items()} for form in forms
        ]


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def one_named(model, name: str) -> Callable:
    def holds(app, world, _responses) -> None:
        with app.app_context():
            assert count(model, model.name == name) == 1

    return holds


def positions_distinct(model) -> Callable:
    """The partnership's lanes or columns hold the places 0..n-1, each once."""

    def holds(app, world, _responses) -> None:
        with app.app_context():
            places = db.session.scalars(
                select(model.position).where(model.partnership_id == world["partnership"])
            ).all()
            assert sorted(places) == list(range(len(places))), places

    return holds


def column_of(attribute, one_of: set) -> Callable:
    """Last write wins: the record holds one of the values sent, whole."""

    def holds(app, world, _responses) -> None:
        with app.app_context():
            assert db.session.scalar(select(attribute)) in one_of

    return holds


def lane_named(app, world, _responses) -> None:
    with app.app_context():
        name = db.session.get(Lane, world["lane"]).name
        assert name in {f"Ours {i}" for i in range(AT_ONCE)}


def goals_in_cell(expected: int) -> Callable:
    def holds(app, world, _responses) -> None:
        with app.app_context():
            ranks = db.session.scalars(
                select(Goal.position).where(
                    Goal.quarter_id == world["quarter"],
                    Goal.lane_id == world["alex_lane"],
                    Goal.stage_id == world["stage"],
                    Goal.deleted_at.is_(None),
                    Goal.title == "At once",
                )
            ).all()
            assert len(ranks) == expected and len(set(ranks)) == expected

    return holds


def one_account(app, world, responses) -> None:
    with app.app_context():
        assert count(User, User.email == "twin@example.com") == 1
        assert count(Partnership) == 2  # Alex and Sam's, and the one new account's
    refused = [r for r in responses if r.status_code == 422]
    assert all("already exists" in r.get_data(as_text=True) for r in refused)


def one_next_quarter(app, world, responses) -> None:
    with app.app_context():
        assert count(Quarter, Quarter.name == "2027 Q4") == 1
    # Everyone is sent to the same session.
    assert len({r.headers["Location"] for r in responses}) == 1


def goal_deleted_once(app, world, _responses) -> None:
    with app.app_context():
        goal = db.session.get(Goal, world["personal"])
        assert goal.deleted_at is not None


def goal_live_once(app, world, _responses) -> None:
    with app.app_context():
        goal = db.session.get(Goal, world["deleted"])
        assert goal.deleted_at is None
    cell_positions(app, world["quarter"])  # fails if two goals share a place


def edited_once(app, world, _responses) -> None:
    with app.app_context():
        goal = db.session.get(Goal, world["shared"])
        assert goal.version == 2 and goal.title.startswith("Edit ")


def four_comments(app, world, _responses) -> None:
    with app.app_context():
        goal = db.session.get(Goal, world["shared"])
        assert count(GoalComment, GoalComment.goal_id == goal.id) == goal.comment_count == 4


def invite_revoked(app, world, _responses) -> None:
    with app.app_context():
        assert db.session.get(Invite, world["invite"]).revoked_at is not None


def four_invites(app, world, _responses) -> None:
    with app.app_context():
        assert count(Invite, Invite.used_at.is_(None)) == 5  # the world's and four new


def value_gone(app, world, _responses) -> None:
    with app.app_context():
        assert count(SharedValue) == 0


def account_gone(app, world, _responses) -> None:
    with app.app_context():
        assert db.session.get(User, world["sam_id"]) is None
        assert count(Lane, Lane.owner_id == world["sam_id"]) == 0
        assert count(User) == 1


def drafts(expected: int, title: str) -> Callable:
    def holds(app, world, _responses) -> None:
        with app.app_context():
            assert count(Goal, Goal.title == title) == expected
        cell_positions(app, world["planning"])

    return holds


def both_ready(app, world, _responses) -> None:
    with app.app_context():
        seats = db.session.scalars(
            select(PlanningSeat).where(PlanningSeat.quarter_id == world["planning"])
        ).all()
        assert len(seats) == 2 and all(seat.ready_at for seat in seats)
        assert db.session.get(Quarter, world["planning"]).revealed_at is not None


def note_removed(app, world, _responses) -> None:
    with app.app_context():
        current = count(
            Allocation, Allocation.goal_id == world["shared"], Allocation.replaced_at.is_(None)
        )
        assert current == 0


def one_current_note_of(hours: set) -> Callable:
    """Alex's note on the shared goal: one current, saying what one request sent, whole."""

    def holds(app, world, _responses) -> None:
        with app.app_context():
            alex = db.session.get(Allocation, world["note"]).user_id
            current = db.session.scalars(
                select(Allocation).where(
                    Allocation.goal_id == world["shared"],
                    Allocation.user_id == alex,
                    Allocation.replaced_at.is_(None),
                )
            ).all()
            assert [note.hours_per_week for note in current] in [[h] for h in hours]

    return holds


def one_availability(app, world, _responses) -> None:
    with app.app_context():
        rows = db.session.scalars(
            select(Availability).where(Availability.quarter_id == world["planning"])
        ).all()
        assert [(row.version, row.hours_per_week) for row in rows] in [[(1, h)] for h in range(4)]


def note_row(hours: int) -> dict:
    """The shared goal's row of the Resources step, over the note the world holds."""
    return {
        "goal-{shared}-replaces": "{note}",
        "goal-{shared}-hours_per_week": str(hours),
        "goal-{shared}-money_period": "month",
        "goal-{shared}-currency": "EUR",
    }


def note_restored(app, world, _responses) -> None:
    with app.app_context():
        current = db.session.scalars(
            select(Allocation.id).where(
                Allocation.goal_id == world["shared"], Allocation.replaced_at.is_(None)
            )
        ).all()
        assert current == [world["old_note"]]


def sessions_opened(app, world, _responses) -> None:
    with app.app_context():
        assert count(UserSession, UserSession.user_id == world["alex_id"]) >= AT_ONCE


def signed_out(app, world, _responses) -> None:
    with app.app_context():
        live = count(
            UserSession, UserSession.user_id == world["alex_id"], UserSession.revoked_at.is_(None)
        )
        assert live == 0


def password_changed_once(app, world, responses) -> None:
    """The first change wins; the others find the current password changed under them,
    or their session ended by it (sent to sign in)."""
    winners = [r for r in responses if r.headers.get("Location", "").startswith("/settings")]
    assert len(winners) == 1
    with app.app_context():
        user = db.session.get(User, world["alex_id"])
        from goalmap.passwords import check_password

        changed = [f"new password {i}" for i in range(AT_ONCE)]
        assert sum(check_password(user.password_hash, p) for p in changed) == 1


def paused_once(app, world, _responses) -> None:
    """One entry pauses the goal; the others decided on it as it was before, so each is
    a conflict and keeps nothing (a sequential run gives the same)."""
    with app.app_context():
        assert count(FlexEntry, FlexEntry.event == "At once") == 1
        assert db.session.get(Goal, world["personal"]).status == "paused"


def agreed_once(app, world, _responses) -> None:
    with app.app_context():
        assert db.session.get(FlexEntry, world["entry"]).state == "agreed"
        assert db.session.get(Goal, world["shared"]).status == "paused"
        assert count(GoalEvent, GoalEvent.flex_entry_id == world["entry"]) == 1
        assert count(FlexAcknowledgement, FlexAcknowledgement.entry_id == world["entry"]) == 2


def withdrawn_once(app, world, _responses) -> None:
    with app.app_context():
        assert db.session.get(FlexEntry, world["entry"]).state == "withdrawn"


def agreed_entry(app, world) -> dict:
    with app.app_context():
        sam = db.session.get(User, world["sam_id"])
        entry = db.session.get(FlexEntry, world["entry"])
        flexibility.respond(entry, sam, "", [])
        db.session.commit()
    return {"agreed": world["entry"]}


def looked_again_once(app, world, _responses) -> None:
    with app.app_context():
        assert count(FlexFollowUp) == 1
        assert db.session.get(Goal, world["shared"]).status == "active"
        resumed = count(GoalEvent, GoalEvent.goal_id == world["shared"], GoalEvent.kind == "status")
        assert resumed == 2  # paused by the entry, resumed once by looking again


def one_protocol_version(app, world, _responses) -> None:
    with app.app_context():
        assert count(ProtocolVersion) == 1


def sams_goal(app, world) -> dict:
    quarter, sam = load(app, Quarter, world["quarter"]), load(app, User, world["sam_id"])
    return {"sams_goal": make_goal(app, quarter, lane_of(app, sam), title="Sam practises").id}


def one_open_contract(app, world, _responses) -> None:
    with app.app_context():
        assert count(Contract, Contract.goal_id == world["sams_goal"]) == 1


def draft_contract(app, world) -> dict:
    """A draft on a live goal of Alex's without a contract (the world's deleted one, back)."""
    with app.app_context():
        db.session.get(Goal, world["deleted"]).deleted_at = None
        db.session.commit()
    contract, _none = make_contract(app, load(app, Goal, world["deleted"]))
    return {"draft": contract}


def signed_once(app, world, _responses) -> None:
    with app.app_context():
        assert db.session.get(Contract, world["draft"]).state == "active"
        assert db.session.get(Contract, world["draft"]).version == 2


def one_pending_version(app, world, _responses) -> None:
    with app.app_context():
        numbers = db.session.scalars(
            select(ContractTerms.number).where(ContractTerms.contract_id == world["contract"])
        ).all()
        assert sorted(numbers) == [1, 2]


def check_ins_kept(app, world, _responses) -> None:
    with app.app_context():
        assert (
            count(ContractCheckIn, ContractCheckIn.contract_id == world["contract"]) == 1 + AT_ONCE
        )


def encouraged_once(app, world, _responses) -> None:
    with app.app_context():
        words = db.session.get(ContractCheckIn, world["check_in"]).encouragement
        assert words in {f"Go {i}" for i in range(AT_ONCE)}


def completed_once(app, world, _responses) -> None:
    with app.app_context():
        contract = db.session.get(Contract, world["contract"])
        assert (contract.state, contract.version) == ("completed", 3)


def answered_once(app, world, _responses) -> None:
    with app.app_context():
        assert count(WeeklyAnswer, WeeklyAnswer.user_id == world["alex_id"]) == 1


def one_prompt_version(app, world, _responses) -> None:
    with app.app_context():
        assert count(PromptVersion) == 1


def due_review(app, world) -> dict:
    """No review held yet, and a first quarter begun a year before a day ten days from
    now: that day's review is due."""
    with app.app_context():
        db.session.execute(YearlyReview.__table__.delete())
        day = db.session.get(Partnership, world["partnership"]).today() + timedelta(days=10)
        starts = yearly.on(day.year - 1, day.month, day.day)
        db.session.add(
            Quarter(
                partnership_id=world["partnership"],
                name="Long ago",
                starts_on=starts,
                ends_on=starts + timedelta(days=90),
            )
        )
        db.session.commit()
    return {"due_day": day.isoformat()}


def one_review(app, world, responses) -> None:
    with app.app_context():
        assert count(YearlyReview) == 1
    assert len({r.headers["Location"] for r in responses}) == 1  # everyone opens the same


def answered_the_review_once(app, world, _responses) -> None:
    with app.app_context():
        assert count(YearlyAnswer, YearlyAnswer.user_id == world["alex_id"]) == 1


def decided_once(app, world, _responses) -> None:
    with app.app_context():
        review = db.session.get(YearlyReview, world["review"])
        assert review.version == 2 and review.keep in {f"Keep {i}" for i in range(AT_ONCE)}


def ready_to_keep(app, world) -> dict:
    with app.app_context():
        review = db.session.get(YearlyReview, world["review"])
        for member in (world["alex_id"], world["sam_id"]):
            yearly.answer(review, db.session.get(User, member), ["Yes"])
        yearly.decide(review, db.session.get(User, world["alex_id"]), "Walks", "", 1)
        db.session.commit()
    return {}


def kept_once(app, world, _responses) -> None:
    with app.app_context():
        review = db.session.get(YearlyReview, world["review"])
        assert (review.state, review.version) == ("kept", 3) and review.summary_json


def live_checklist(app, world) -> tuple[int, int, list[int]]:
    """The shared goal's counters, and the places of its live milestones."""
    goal = db.session.get(Goal, world["shared"])
    places = db.session.scalars(
        select(Milestone.position).where(
            Milestone.goal_id == world["shared"], Milestone.deleted_at.is_(None)
        )
    ).all()
    return goal.milestones_total, goal.milestones_done, places


def checklist_is(total: int, done: int) -> Callable:
    """The goal counts what its checklist holds, and each milestone has a place of its own."""

    def holds(app, world, _responses) -> None:
        with app.app_context():
            counted_total, counted_done, places = live_checklist(app, world)
            live = count(
                Milestone, Milestone.goal_id == world["shared"], Milestone.deleted_at.is_(None)
            )
            ticked = count(
                Milestone,
                Milestone.goal_id == world["shared"],
                Milestone.deleted_at.is_(None),
                Milestone.done_at.is_not(None),
            )
            assert (counted_total, counted_done) == (live, ticked) == (total, done)
            assert len(set(places)) == len(places), places

    return holds


def live_win(subject: str, withdrawn: bool = False) -> Callable:
    """One win for the world's ``subject`` (withdrawn or not), whatever came at once."""

    def holds(app, world, _responses) -> None:
        with app.app_context():
            rows = db.session.scalars(select(Win).where(Win.subject_id == world[subject])).all()
            assert len(rows) == 1 and (rows[0].withdrawn_at is not None) == withdrawn

    return holds


def goal_done_once(app, world, responses) -> None:
    live_win("shared")(app, world, responses)
    with app.app_context():
        assert db.session.get(Goal, world["shared"]).status == "done"
        kinds = select(GoalEvent.kind).where(GoalEvent.goal_id == world["shared"])
        assert db.session.scalars(kinds).all().count("done") == 1


def private_win(app, world) -> dict:
    """A win of a private goal of Alex's."""
    quarter, alex = load(app, Quarter, world["quarter"]), load(app, User, world["alex_id"])
    goal = make_goal(app, quarter, lane_of(app, alex), title="Alone", is_private=True)
    ids = make_milestones(app, goal, alex, ("Quietly",), ticked=("Quietly",))
    return {"private_win": win_of(app, ids["Quietly"])}


def shared_once(app, world, _responses) -> None:
    with app.app_context():
        assert db.session.get(Win, world["private_win"]).shared_by_owner is True


def four_notes(app, world, _responses) -> None:
    with app.app_context():
        assert count(Appreciation, Appreciation.win_id == world["win"]) == AT_ONCE


def one_reaction(app, world, _responses) -> None:
    with app.app_context():
        assert count(WinReaction, WinReaction.win_id == world["win"]) == 1


def seen_once(app, world, _responses) -> None:
    with app.app_context():
        assert (
            count(WinSeen, WinSeen.win_id == world["win"], WinSeen.user_id == world["sam_id"]) == 1
        )


def alexs_notification(app, world) -> dict:
    """One of Alex's notifications (Sam signed Alex's contract), and how many Alex has."""
    with app.app_context():
        ids = db.session.scalars(
            select(Notification.id).where(Notification.user_id == world["alex_id"])
        ).all()
        return {"notification": ids[0], "notifications": len(ids)}


def read_once(app, world, _responses) -> None:
    """Read, and nothing else changed: no notification made or lost by opening one."""
    with app.app_context():
        assert db.session.get(Notification, world["notification"]).read_at is not None
        assert (
            count(Notification, Notification.user_id == world["alex_id"]) == world["notifications"]
        )


def password_reset_once(app, world, responses) -> None:
    """One tab sets its password with the link and is signed in; the others find it used."""
    with app.app_context():
        user = db.session.get(User, world["alex_id"])
        from goalmap.passwords import check_password

        chosen = [f"reset password {i}" for i in range(AT_ONCE)]
        assert sum(check_password(user.password_hash, p) for p in chosen) == 1
        assert count(PasswordReset, PasswordReset.used_at.is_(None)) == 0
    assert sum(r.headers.get("Location") == "/" for r in responses) == 1


def one_choice_each(app, world, _responses) -> None:
    """Each member has one row of mail choices, holding one of the sets sent, whole."""
    with app.app_context():
        rows = db.session.scalars(select(MailPreference)).all()
        assert sorted(row.user_id for row in rows) == sorted([world["alex_id"], world["sam_id"]])
        assert all(row.digest == row.check_in_due for row in rows)


def digest_chosen(app, world) -> dict:
    with app.app_context():
        notifications.choose(db.session.get(User, world["alex_id"]), {"digest": True})
        db.session.commit()
    return {}


def digest_stopped(app, world, _responses) -> None:
    with app.app_context():
        (row,) = db.session.scalars(select(MailPreference)).all()
        assert row.user_id == world["alex_id"] and row.digest is False


def all_read(app, world, _responses) -> None:
    with app.app_context():
        assert count(Notification) > 0
        assert count(Notification, Notification.read_at.is_(None)) == 0


def rituals_named(title: str, number: int) -> Callable:
    def holds(app, world, _responses) -> None:
        with app.app_context():
            assert count(Ritual, Ritual.what == title) == number

    return holds


def ritual_rules(total: int) -> Callable:
    """The world's ritual has ``total`` rules, one of them current, its version moved once."""

    def holds(app, world, _responses) -> None:
        with app.app_context():
            mine = RitualRule.ritual_id == world["ritual"]
            assert count(RitualRule, mine) == total
            assert count(RitualRule, mine, RitualRule.replaced_at.is_(None)) == 1
            assert db.session.get(Ritual, world["ritual"]).version == 2

    return holds


def exceptions_are(number: int) -> Callable:
    def holds(app, world, _responses) -> None:
        with app.app_context():
            assert count(RitualException, RitualException.ritual_id == world["ritual"]) == number

    return holds


def skipped_evening(app, world) -> dict:
    with app.app_context():
        ritual = db.session.get(Ritual, world["ritual"])
        rituals.skip(ritual, date(2030, 1, 14), db.session.get(User, world["alex_id"]))
        db.session.commit()
    return {}


def alexs_link(app, world) -> dict:
    """A calendar link of Alex's, live, for the race to replace or stop."""
    with app.app_context():
        calendar.issue(db.session.get(User, world["alex_id"]))
        db.session.commit()
    return {}


def deleted_ritual(app, world) -> dict:
    with app.app_context():
        rituals.remove(db.session.get(Ritual, world["ritual"]))
        db.session.commit()
    return {}


def ritual_live(app, world, _responses) -> None:
    with app.app_context():
        assert db.session.get(Ritual, world["ritual"]).deleted_at is None


RITUAL_RULE = {
    "frequency": "weekly",
    "weekdays": "MO",
    "at": "19:00",
    "minutes": "60",
    "time_zone": "UTC",
    "nth": "1",
    "month_day": "",
}
CONFLICTS = [302, 409, 409, 409]


def live_links(world) -> list[str]:
    return db.session.scalars(
        select(CalendarFeed.token_hash).where(
            CalendarFeed.user_id == world["alex_id"], CalendarFeed.revoked_at.is_(None)
        )
    ).all()


def one_live_link_shown(app, world, responses) -> None:
    """One link lives, and it is one a page showed; a page that could not show its link
    (made at the same moment as another) shows none."""
    shown = []
    for response in responses:
        found = re.findall(r"/calendar/([A-Za-z0-9_-]{43})\.ics", response.get_data(as_text=True))
        assert bool(found) == (response.status_code == 200), response.status_code
        shown += [hashlib.sha256(token.encode()).hexdigest() for token in set(found)]
    with app.app_context():
        (live,) = live_links(world)
    assert shown.count(live) == 1


def no_live_link(app, world, _responses) -> None:
    with app.app_context():
        assert live_links(world) == []


NAMES = [{"lane-{lane}-name": f"Ours {i}"} for i in range(AT_ONCE)]

RACES: dict[str, Race | Callable] = {
    # Creates something unique: one is made, the others get the sequential answer.
    "auth.register": Race(
        "/register",
        {
            "email": "twin@example.com",
            "display_name": "Twin",
            "password": PASSWORD,
            "confirm": PASSWORD,
        },
        by=("anonymous",) * AT_ONCE,
        answers=[302, 422, 422, 422],
        holds=one_account,
    ),
    "board.new_quarter": Race(
        "/quarters/new",
        {"name": "2028 Q1", "starts_on": "2028-01-01", "ends_on": "2028-03-31"},
        answers=[302, 422, 422, 422],
        holds=one_named(Quarter, "2028 Q1"),
    ),
    "board.plan_next": Race(
        "/quarters/{later}/next", by=("alex", "sam") * 2, holds=one_next_quarter
    ),
    "partnership.add_value": Race(
        "/values", {"value-name": "Calm"}, holds=one_named(SharedValue, "Calm")
    ),
    "partnership.create_invite": Race("/invites", answers=[200] * AT_ONCE, holds=four_invites),
    "partnership.join_accept": scenes.test_one_invite_admits_one_person_however_many_try_at_once,
    # Places: each new lane, column or goal gets a place of its own.
    "board.add_lane": Race("/lanes", {"lane-name": "Home"}, holds=positions_distinct(Lane)),
    "board.add_stage": Race("/stages", {"stage-name": "Later"}, holds=positions_distinct(Stage)),
    "board.order_lane": Race(
        "/lanes/{lane}/order", {"direction": "down"}, holds=positions_distinct(Lane)
    ),
    "board.order_stage": Race(
        "/stages/{stage}/order", {"direction": "down"}, holds=positions_distinct(Stage)
    ),
    "board.done_stage": scenes.test_choosing_the_done_column_at_once_leaves_one,
    "goals.create": Race(
        "/quarters/{quarter}/goals/new",
        {"lane_id": "{alex_lane}", "stage_id": "{stage}", "title": "At once", "status": "active"},
        holds=goals_in_cell(AT_ONCE),
    ),
    "planning.add_my_goal": Race(
        "/quarters/{planning}/session/my-goals",
        {"title": "Mine at once"},
        by=("alex", "sam") * 2,
        holds=drafts(AT_ONCE, "Mine at once"),
    ),
    "planning.add_our_goal": Race(
        "/quarters/{planning}/session/our-goals",
        {"title": "Ours at once", "lane_id": "{lane}", "value_id": "0"},
        by=("alex", "sam") * 2,
        holds=drafts(AT_ONCE, "Ours at once"),
    ),
    # Saves a version: one save wins, the others are conflicts.
    "goals.edit": Race(
        "/goals/{shared}/edit",
        [{"title": f"Edit {i}", "status": "active", "version": "1"} for i in range(AT_ONCE)],
        by=("alex", "sam") * 2,
        answers=[302, 409, 409, 409],
        holds=edited_once,
    ),
    "goals.move": scenes.test_concurrent_moves_and_edits_keep_positions_and_acknowledged_writes,
    "resources.allocations": scenes.test_one_note_saved_twice_at_once_stays_one_current_note,
    "resources.availability": scenes.test_two_first_availability_saves_at_once_keep_one,
    # Consumes something once: the first acts, the others find it done.
    "goals.delete": Race(
        "/goals/{personal}/delete", answers=[302, 404, 404, 404], holds=goal_deleted_once
    ),
    "goals.restore": Race("/goals/{deleted}/restore", holds=goal_live_once),
    "partnership.revoke_invite": Race("/invites/{invite}/revoke", holds=invite_revoked),
    "partnership.delete_value": Race(
        "/values/{value}/delete", answers=[302, 404, 404, 404], holds=value_gone
    ),
    "partnership.delete_own_account": Race(
        "/account/delete",
        {"password": PASSWORD, "understood": "y"},
        by=("sam",) * AT_ONCE,
        answers=[302] * AT_ONCE,
        holds=account_gone,
    ),
    "partnership.leave_partnership": scenes.test_partners_leaving_at_once_leave_one_of_them_behind,
    "resources.remove": Race("/allocations/{note}/remove", holds=note_removed),
    # The Resources step's rows save over the note (or version) each was shown with: one
    # save wins, the others are conflicts at their row; the page's one form, all or none.
    "planning.save_note": Race(
        "/quarters/{quarter}/session/resources/goals/{shared}",
        [note_row(10 + i) for i in range(AT_ONCE)],
        answers=[200, 409, 409, 409],
        holds=one_current_note_of({10, 11, 12, 13}),
    ),
    "planning.save_resources": Race(
        "/quarters/{quarter}/session/resources",
        [note_row(20 + i) for i in range(AT_ONCE)],
        answers=[302, 409, 409, 409],
        holds=one_current_note_of({20, 21, 22, 23}),
    ),
    "planning.save_availability": Race(
        "/quarters/{planning}/session/resources/availability",
        [
            {"availability-version": "0", "availability-hours_per_week": str(i)}
            for i in range(AT_ONCE)
        ],
        answers=[200, 409, 409, 409],
        holds=one_availability,
    ),
    "resources.restore": Race("/allocations/{old_note}/restore", holds=note_restored),
    "planning.ready": Race(
        "/quarters/{planning}/session/ready", by=("alex", "sam") * 2, holds=both_ready
    ),
    "planning.confirm": scenes.test_partners_agreeing_at_once_start_the_quarter_without_a_conflict,
    "planning.review": scenes.test_a_goal_carried_over_at_once_goes_on_once,
    "goals.comment": Race(
        "/goals/{shared}/comments", {"body": "Go!"}, by=("alex", "sam") * 2, holds=four_comments
    ),
    "goals.cheer": scenes.test_a_cheer_sent_at_once_from_several_tabs_counts_once,
    # Milestones: each added one has a place; one tick, one win; counters follow.
    "milestones.add": Race(
        "/goals/{shared}/milestones",
        {"title": "At once", "target_on": ""},
        by=("alex", "sam") * 2,
        holds=checklist_is(2 + AT_ONCE, 1),
    ),
    "milestones.edit": Race(
        "/milestones/{milestone}",
        [{"title": f"Step {i}", "target_on": "", "version": "1"} for i in range(AT_ONCE)],
        by=("alex", "sam") * 2,  # one saves; the others are told of the conflict
    ),
    "milestones.done": Race(
        "/milestones/{milestone}/done",
        by=("alex", "sam") * 2,
        holds=lambda app, world, responses: (
            checklist_is(2, 2)(app, world, responses),
            live_win("milestone")(app, world, responses),
        ),
    ),
    "milestones.reopen": Race(
        "/milestones/{ticked}/open",
        by=("alex", "sam") * 2,
        holds=lambda app, world, responses: (
            checklist_is(2, 0)(app, world, responses),
            live_win("ticked", withdrawn=True)(app, world, responses),
        ),
    ),
    "milestones.order": Race(
        "/milestones/{ticked}/order", {"direction": "up"}, holds=checklist_is(2, 1)
    ),
    "milestones.delete": Race(
        "/milestones/{milestone}/delete", answers=[302, 404, 404, 404], holds=checklist_is(1, 1)
    ),
    "milestones.restore": Race("/milestones/{gone}/restore", holds=checklist_is(3, 1)),
    "goals.done": Race("/goals/{shared}/done", by=("alex", "sam") * 2, holds=goal_done_once),
    # One tap on a card, on the version it was drawn with: one is done, the others find it
    # done already (never a second win, never a 5xx).
    "goals.mark_done": Race(
        "/goals/{shared}/mark-done",
        {"version": "{shared_version}"},
        by=("alex", "sam") * 2,
        holds=goal_done_once,
        setup=lambda app, world: {"shared_version": load(app, Goal, world["shared"]).version},
    ),
    # Rituals: made four times, saved once on a version, an evening skipped once.
    "rituals.create": Race(
        "/rituals",
        {**RITUAL_RULE, "title": "Tea", "kind": "joint", "goal": "", "starts_on": "2030-01-07"},
        holds=rituals_named("Tea", AT_ONCE),
    ),
    "rituals.edit": Race(
        "/rituals/{ritual}",
        [
            {"details-title": f"Night {i}", "details-goal": "", "details-version": "1"}
            for i in range(AT_ONCE)
        ],
        by=("alex", "sam") * 2,
        answers=CONFLICTS,
    ),
    "rituals.adapt": Race(
        "/rituals/{ritual}/rule",
        {
            **{f"adapt-{k}": v for k, v in RITUAL_RULE.items()},
            "adapt-from_day": "2031-01-06",
            "adapt-version": "1",
        },
        by=("alex", "sam") * 2,
        answers=CONFLICTS,
        holds=ritual_rules(2),
    ),
    "rituals.pause": Race(
        "/rituals/{ritual}/pause",
        {"pause-from_day": "2031-01-06", "pause-resume_on": "2031-03-03", "pause-version": "1"},
        answers=CONFLICTS,
        holds=ritual_rules(2),
    ),
    "rituals.skip": Race(
        "/rituals/{ritual}/occurrences/2030-01-14",
        by=("alex", "sam") * 2,
        holds=exceptions_are(1),
    ),
    "rituals.unskip": Race(
        "/rituals/{ritual}/occurrences/2030-01-14/restore",
        setup=skipped_evening,
        holds=exceptions_are(0),
    ),
    "rituals.delete": Race("/rituals/{ritual}/delete", answers=[302, 404, 404, 404]),
    "rituals.restore": Race("/rituals/{ritual}/restore", setup=deleted_ritual, holds=ritual_live),
    # Wins: notes add up; a reaction, a share, a celebration seen count once.
    "wins.appreciate": Race(
        "/wins/{win}/appreciations", {"body": "Proud"}, by=("sam",) * AT_ONCE, holds=four_notes
    ),
    "wins.react": Race(
        "/wins/{win}/reactions",
        {"reaction": "love", "on": "1"},
        by=("sam",) * AT_ONCE,
        holds=one_reaction,
    ),
    "wins.share": Race(
        "/wins/{private_win}/share", {"shared": "1"}, holds=shared_once, setup=private_win
    ),
    "wins.seen": Race("/wins/seen", {"wins": "{win}"}, by=("sam",) * AT_ONCE, holds=seen_once),
    # The flexibility log: one agreement, one look again, one version of the protocol.
    "flexibility.new": Race(
        "/flexibility/new",
        {
            "event": "At once",
            "kind": "work",
            "happened_on": "2027-01-10",
            "look_again_on": "2027-02-10",
            "goal-{personal}-action": "pause",
            "goal-{personal}-version": "1",
        },
        answers=[302, 409, 409, 409],  # the others decided on the goal before it paused
        holds=paused_once,
    ),
    "flexibility.respond": Race(
        "/flexibility/{entry}/respond", by=("alex", "sam") * 2, holds=agreed_once
    ),
    "flexibility.withdraw": Race(
        "/flexibility/{entry}/withdraw", answers=[302, 409, 409, 409], holds=withdrawn_once
    ),
    "flexibility.withdraw_decision": Race(
        "/flexibility/decisions/{decision}/withdraw", answers=[302, 409, 409, 409]
    ),
    "flexibility.follow_up": Race(
        "/flexibility/{agreed}/follow-up",
        {"note": "Looked again", "resume": "y"},
        by=("alex", "sam") * 2,
        holds=looked_again_once,
        setup=agreed_entry,
    ),
    "flexibility.protocol": Race(
        "/flexibility/protocol",
        [{"steps": f"Step {i}", "seen": "0"} for i in range(AT_ONCE)],
        by=("alex", "sam") * 2,
        answers=[302, 409, 409, 409],
        holds=one_protocol_version,
    ),
    # Contracts: one open contract per goal, one signature, one encouragement, one close.
    "contracts.new": Race(
        "/goals/{sams_goal}/contract",
        {
            "commitment": "Practise",
            "success": "A song",
            "support": "",
            "cadence": "weekly",
            "starts_on": "2027-01-05",
            "ends_on": "2027-03-01",
        },
        by=("sam",) * AT_ONCE,
        holds=one_open_contract,
        setup=sams_goal,
    ),
    "contracts.sign": Race(
        "/contracts/{draft}/sign",
        {"seen": "1"},
        by=("sam",) * AT_ONCE,
        answers=[302, 409, 409, 409],
        holds=signed_once,
        setup=draft_contract,
    ),
    "contracts.renegotiate": Race(
        "/contracts/{contract}/renegotiate",
        {
            "commitment": "Less",
            "success": "Still",
            "support": "",
            "cadence": "monthly",
            "starts_on": "2027-01-05",
            "ends_on": "2027-03-01",
        },
        answers=[302, 409, 409, 409],
        holds=one_pending_version,
    ),
    "contracts.check_in": Race(
        "/contracts/{contract}/check-ins", {"progress": "50"}, holds=check_ins_kept
    ),
    "contracts.encourage": Race(
        "/contract-check-ins/{check_in}/encourage",
        [{"words": f"Go {i}"} for i in range(AT_ONCE)],
        by=("sam",) * AT_ONCE,
        holds=encouraged_once,
    ),
    "contracts.close": Race(
        "/contracts/{contract}/complete",
        {"seen": "2"},
        answers=[302, 409, 409, 409],
        holds=completed_once,
    ),
    # Notifications: opened at once from several tabs, read once; all read, by both.
    "notifications.open": Race(
        "/notifications/{notification}/open", holds=read_once, setup=alexs_notification
    ),
    "notifications.read_all": Race("/notifications/read", by=("alex", "sam") * 2, holds=all_read),
    # Last write wins, whole: what one request sent, never a mix and never an error.
    "board.rename_lane": Race("/lanes/{lane}", NAMES, holds=lane_named),
    "board.rename_stage": Race(
        "/stages/{stage}",
        [{"stage-{stage}-name": f"Next {i}"} for i in range(AT_ONCE)],
    ),
    "partnership.rename": Race(
        "/settings/partnership",
        [{"name": f"Us {i}"} for i in range(AT_ONCE)],
        by=("alex", "sam") * 2,
        holds=column_of(Partnership.name, {f"Us {i}" for i in range(AT_ONCE)}),
    ),
    "partnership.colour": Race(
        "/settings/colour",
        [{"colour": c} for c in ("#047857", "#b45309", "#047857", "#b45309")],
    ),
    "partnership.calendar": Race(
        "/settings/calendar",
        [
            {"time_zone": zone, "week_starts_on": "6"}
            for zone in ("Europe/Berlin", "Asia/Tokyo") * 2
        ],
        by=("alex", "sam") * 2,
        holds=column_of(Partnership.time_zone, {"Europe/Berlin", "Asia/Tokyo"}),
    ),
    # The weekly check-in: one answer per partner and week, one version of the questions.
    "weekly.week": Race(
        "/weekly",
        [{"replies-0": f"Answer {i}", "energy": "3"} for i in range(AT_ONCE)],
        holds=answered_once,
    ),
    "weekly.prompts": Race(
        "/weekly/prompts",
        [{"prompts": f"Question {i}", "seen": "0"} for i in range(AT_ONCE)],
        by=("alex", "sam") * 2,
        answers=[302, 409, 409, 409],
        holds=one_prompt_version,
    ),
    # The yearly review: one per review day, one answer each, one version, kept once.
    "yearly.start": Race(
        "/yearly/start",
        {"day": "{due_day}"},
        by=("alex", "sam") * 2,
        holds=one_review,
        setup=due_review,
    ),
    "yearly.answer": Race(
        "/yearly/{review}/answers",
        [{"answers-0": f"Answer {i}"} for i in range(AT_ONCE)],
        holds=answered_the_review_once,
    ),
    "yearly.decide": Race(
        "/yearly/{review}/decisions",
        [{"keep": f"Keep {i}", "change": "", "version": "1"} for i in range(AT_ONCE)],
        by=("alex", "sam") * 2,
        answers=[302, 409, 409, 409],
        holds=decided_once,
    ),
    "yearly.keep": Race(
        "/yearly/{review}/keep",
        {"seen": "2"},
        by=("alex", "sam") * 2,
        answers=[302, 409, 409, 409],
        holds=kept_once,
        setup=ready_to_keep,
    ),
    "resources.prompts": Race(
        "/settings/prompts",
        [
            {
                "currency": "EUR",
                "carry_over_prompt": str(i + 1),
                "drop_prompt": "2",
                "shared_share_prompt": "60",
            }
            for i in range(AT_ONCE)
        ],
        by=("alex", "sam") * 2,
    ),
    # The same, from Settings with the version it showed: one save holds, the rest are
    # told the partner saved first.
    "partnership.balance_settings": Race(
        "/settings/balance",
        [
            {
                "currency": "EUR",
                "carry_over_prompt": str(i + 1),
                "drop_prompt": "2",
                "shared_share_prompt": "60",
                "version": "1",
            }
            for i in range(AT_ONCE)
        ],
        by=("alex", "sam") * 2,
        answers=[302, 409, 409, 409],
        holds=column_of(Partnership.balance_version, {2}),
    ),
    # Mail: a reset link works once; choices are saved whole; a digest stops once.
    "auth.forgot_password": mail_scenes.test_asks_at_once_for_a_new_password_keep_to_the_limit,
    "auth.reset_password": Race(
        "/password/reset/{reset}",
        [{"password": f"reset password {i}", "confirm": f"reset password {i}"} for i in range(4)],
        by=("anonymous",) * AT_ONCE,
        answers=[302, 410, 410, 410],
        holds=password_reset_once,
    ),
    "notifications.mail_choices": Race(
        "/settings/email",
        [{"digest": "y", "check_in_due": "y"}, {}, {}, {"digest": "y", "check_in_due": "y"}],
        by=("alex", "sam") * 2,
        holds=one_choice_each,
    ),
    "notifications.unsubscribe": Race(
        "/unsubscribe/{unsubscribe}",
        by=("anonymous",) * AT_ONCE,
        holds=digest_stopped,
        setup=digest_chosen,
    ),
    # A calendar link: made at once, one lives (the others were replaced, or were made
    # at the very same moment and say so); stopped at once, none lives.
    "calendar.create": Race(
        "/calendar", answers={200, 409}, holds=one_live_link_shown, setup=alexs_link
    ),
    "calendar.revoke": Race("/calendar/revoke", holds=no_live_link, setup=alexs_link),
    # Accounts and sessions.
    "auth.login": Race(
        "/login",
        {"email": "alex@example.com", "password": PASSWORD},
        by=("anonymous",) * AT_ONCE,
        holds=sessions_opened,
    ),
    # A tab that signs out after another did holds a form of a session that ended: 400.
    "auth.logout": Race(
        "/logout", by=("alex-one-browser",) * AT_ONCE, answers={302, 400}, holds=signed_out
    ),
    "auth.change_password": Race(
        "/account/password",
        [
            {"current": PASSWORD, "password": f"new password {i}", "confirm": f"new password {i}"}
            for i in range(AT_ONCE)
        ],
        by=("alex-one-browser",) * AT_ONCE,
        # A tab that read its session before the first change ended it is refused the
        # old password (422); one that reads it after holds a form of a session that
        # ended (400), as with signing out.
        answers={302, 400, 422},
        holds=password_changed_once,
    ),
}


def test_every_writing_route_has_a_race_row():
    app = create_app(make_config("sqlite://"))
    with app.app_context():
        db.engine.dispose()
    writing = {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods}
    assert sorted(writing - RACES.keys()) == [], "add these routes to RACES"
    assert sorted(RACES.keys() - writing) == [], "these rows name no writing route"
    for endpoint, row in RACES.items():
        assert isinstance(row, Race) or row.__name__.startswith("test_"), endpoint


def clients_for(app, race: Race, alex, sam) -> list:
    one_browser = None
    clients = []
    for who in race.by:
        if who == "anonymous":
            clients.append(app.test_client())
        elif who == "alex-one-browser":  # tabs of one browser share its cookie
            one_browser = one_browser or logged_in(app, alex)
            clients.append(one_browser)
        else:
            clients.append(logged_in(app, {"alex": alex, "sam": sam}[who]))
    return clients


def fire(clients, url: str, forms: list[dict]) -> list:
    """Each client posts its form to ``url`` at the same moment; the responses, in the
    order they were answered. CSRF tokens are fetched before, so the posts start together."""
    forms = [{**form, "csrf_token": c.csrf_token()} for c, form in zip(clients, forms, strict=True)]
    responses: list = []
    barrier = threading.Barrier(len(clients))

    def post(client, form) -> None:
        barrier.wait()
        responses.append(client.post(url, data=form, csrf=False))

    threads = [
        threading.Thread(target=post, args=pair) for pair in zip(clients, forms, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return responses


GENERIC = sorted(endpoint for endpoint, row in RACES.items() if isinstance(row, Race))


@pytest.mark.parametrize("endpoint", GENERIC)
def test_race(app, alex, sam, world, endpoint):
    race = RACES[endpoint]
    if race.setup:
        world = {**world, **race.setup(app, world)}
    clients = clients_for(app, race, alex, sam)
    responses = fire(clients, race.url.format(**world), race.forms(world))
    statuses = sorted(r.status_code for r in responses)
    if isinstance(race.answers, set):
        assert len(statuses) == AT_ONCE and set(statuses) <= race.answers, (endpoint, statuses)
    assert statuses == race.answers or isinstance(race.answers, set), (
        endpoint,
        [r.get_data(as_text=True)[:300] for r in responses if r.status_code >= 500],
    )
    if race.holds:
        race.holds(app, world, responses)
