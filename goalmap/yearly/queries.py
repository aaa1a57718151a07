"""The yearly review's statements, all through ``scoped``: a partner's answers stay in
the database until the member has answered the same review (``scoping.scoped``);
``answered`` says who answered without reading a word of it."""

from datetime import date

from sqlalchemy import func, select

from goalmap.extensions import db
from goalmap.models import Quarter, User, YearlyAnswer, YearlyReview
from goalmap.scoping import scoped


def first_day(user: User) -> date | None:
    """The day the partnership's first quarter began: the default review day is its
    anniversary."""
    return db.session.scalar(
        scoped(Quarter, user=user).with_only_columns(func.min(Quarter.starts_on))
    )


def quarters_from(user: User, day: date) -> int:
    """How many of the partnership's quarters begin on ``day`` or later."""
    return db.session.scalar(
        scoped(Quarter, user=user)
        .where(Quarter.starts_on >= day)
        .with_only_columns(func.count(Quarter.id))
    )


def reviews(user: User) -> list[YearlyReview]:
    """Every review of the partnership, the latest first."""
    return db.session.scalars(
        scoped(YearlyReview, user=user).order_by(YearlyReview.ends_on.desc())
    ).all()


def last_day(user: User) -> date | None:
    """The day of the latest review held (open or kept)."""
    return db.session.scalar(
        scoped(YearlyReview, user=user).with_only_columns(func.max(YearlyReview.ends_on))
    )


def review_on(user: User, day: date) -> YearlyReview | None:
    """The partnership's review of the year that ends on ``day``."""
    return db.session.scalar(scoped(YearlyReview, user=user).where(YearlyReview.ends_on == day))


def answers(review: YearlyReview, user: User) -> list[YearlyAnswer]:
    """The answers to ``review`` that ``user`` may read: their own, and the others' once
    they gave theirs."""
    return db.session.scalars(
        scoped(YearlyAnswer, user=user)
        .where(YearlyAnswer.review_id == review.id)
        .order_by(YearlyAnswer.user_id)
    ).all()


def answered(review: YearlyReview) -> set[int]:
    """Who has answered ``review`` (ids only, no content)."""
    return set(
        db.session.scalars(
            select(YearlyAnswer.user_id).where(
                YearlyAnswer.partnership_id == review.partnership_id,
                YearlyAnswer.review_id == review.id,
            )
        )
    )
