import re

from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, ValidationError

from goalmap.fields import Form, strip
from goalmap.models import MAX_INTEGER, REACTIONS, WIN_KINDS, User, Win
from goalmap.wins import queries

ON_OFF = ("1", "0")


class AppreciationForm(Form):
    body = TextAreaField(
        "A note of appreciation",
        filters=[strip],
        validators=[DataRequired("Write a few words first."), Length(max=1000)],
    )


class ReactionForm(Form):
    reaction = HiddenField(
        validators=[Length(max=10), AnyOf(tuple(REACTIONS), message="Choose a reaction.")]
    )
    on = HiddenField(validators=[AnyOf(ON_OFF, message="Turn it on or off.")])


class ShareForm(Form):
    shared = HiddenField(validators=[AnyOf(ON_OFF, message="Share it or keep it to yourself.")])


class SeenForm(Form):
    """The wins whose celebration the member has had: their ids, space-separated."""

    wins = StringField(validators=[Length(max=2000)])

    def validate_wins(self, field) -> None:
        if not re.fullmatch(r"[0-9 ]*", field.data or ""):
            raise ValidationError("These are not wins.")

    def ids(self) -> list[int]:
        return [int(n) for n in (self.wins.data or "").split() if 0 < int(n) <= MAX_INTEGER][:50]


def wall_filters(args, members, quarter_ids) -> dict:
    """The wall's filters from the query string; an unknown value is no filter."""
    quarter = args.get("quarter", type=int)
    partner = args.get("partner", "")
    kind = args.get("kind", "")
    member_ids = {str(member.id): member.id for member in members}
    return {
        "quarter_id": quarter if quarter in quarter_ids else None,
        "partner": "shared" if partner == "shared" else member_ids.get(partner),
        "kind": kind if kind in WIN_KINDS else None,
    }


def cards(wins: list[Win], user: User, **context) -> dict:
    """What a list of win cards (``wins/_win.html``) shows besides the wins: who is who,
    the notes and reactions, which wins the member may share, the note form."""
    ids = [win.id for win in wins]
    return {
        "wins": wins,
        "members": {member.id: member for member in user.partnership.members},
        "appreciations": queries.appreciations(user, ids),
        "reactions": queries.reactions(user, ids),
        "private_goals": queries.private_goal_ids(user, [win.goal_id for win in wins]),
        "appreciation_form": AppreciationForm(formdata=None),
        "WIN_KINDS": WIN_KINDS,
        "REACTIONS": REACTIONS,
        **context,
    }
