"""The statements of rituals, through ``scoping.scoped``."""

from collections import defaultdict

from goalmap.extensions import db
from goalmap.models import Goal, Quarter, Ritual, RitualException, RitualHours, RitualRule, User
from goalmap.scoping import VIEWER, scoped, viewer

# Built once: the week view, the board's loads and the calendar feed read these often.
# Each visible ritual with its rules: every ritual has at least one.
RITUALS_AND_RULES = (
    scoped(Ritual, user=VIEWER)
    .add_columns(RitualRule)
    .join(RitualRule, RitualRule.ritual_id == Ritual.id)
    .order_by(Ritual.created_at, Ritual.id, RitualRule.starts_on, RitualRule.created_at)
)
EXCEPTIONS = scoped(RitualException, user=VIEWER).order_by(RitualException.day)


class Rituals(list):
    """A partnership's rituals as ``user`` may see them, each with its rules and
    exceptions (``rules_of``, ``exceptions_of``): two queries for any number, one when
    there are none."""

    def __init__(self, rituals, rules, exceptions):
        super().__init__(rituals)
        self._rules = defaultdict(list)
        for rule in rules:
            self._rules[rule.ritual_id].append(rule)
        self._exceptions = defaultdict(list)
        for exception in exceptions:
            self._exceptions[exception.ritual_id].append(exception)

    def rules_of(self, ritual: Ritual) -> list[RitualRule]:
        return self._rules.get(ritual.id, [])

    def exceptions_of(self, ritual: Ritual) -> list[RitualException]:
        return self._exceptions.get(ritual.id, [])

    def current_rule(self, ritual: Ritual) -> RitualRule | None:
        return next((r for r in self.rules_of(ritual) if r.replaced_at is None), None)


def of_partnership(user: User) -> Rituals:
    """Every ritual of ``user``'s partnership they may see, with rules and exceptions."""
    params = viewer(user)
    fresh = {"populate_existing": True}  # a ritual saved in this request shows as saved
    rows = db.session.execute(RITUALS_AND_RULES, params, execution_options=fresh).all()
    rituals = list(dict.fromkeys(ritual for ritual, _rule in rows))
    exceptions = db.session.scalars(EXCEPTIONS, params).all() if rows else []
    return Rituals(rituals, [rule for _ritual, rule in rows], exceptions)


def kept_hours(quarter_ids, user: User) -> list[RitualHours]:
    """What reviewed quarters kept of their rituals' hours, per member."""
    stmt = scoped(RitualHours, user=user).where(RitualHours.quarter_id.in_(quarter_ids))
    return db.session.scalars(stmt).all()


def exception_on(ritual: Ritual, day, user: User) -> RitualException | None:
    """The exception made for ``ritual``'s occurrence planned on ``day``, if any."""
    stmt = scoped(RitualException, user=user).where(
        RitualException.ritual_id == ritual.id, RitualException.day == day
    )
    return db.session.scalar(stmt)


def goals_to_serve(user: User) -> list[Goal]:
    """The goals a ritual may serve: those ``user`` may see, in quarters not reviewed."""
    stmt = (
        scoped(Goal, user=user)
        .join(Quarter, Quarter.id == Goal.quarter_id)
        .where(Quarter.state != "reviewed", Goal.status != "dropped")
        .order_by(Goal.title)
    )
    return db.session.scalars(stmt).all()


def goals_by_id(ids, user: User) -> list[Goal]:
    """The goals among ``ids`` that ``user`` may see."""
    if not ids:
        return []
    return db.session.scalars(scoped(Goal, user=user).where(Goal.id.in_(ids))).all()


def goal_titles(ids, user: User) -> dict[int, str]:
    """The titles of the goals among ``ids`` that ``user`` may see."""
    return {goal.id: goal.title for goal in goals_by_id(ids, user)}
