from flask import render_template
from flask_login import current_user, login_required

from goalmap.board import queries as board
from goalmap.models import Quarter
from goalmap.scoping import get_or_404
from goalmap.timeline import bp, queries, service


@bp.get("/quarters/<int:quarter_id>/timeline")
@login_required
def show(quarter_id: int):
    """The quarter's goals as bars across its weeks, where lives intersect and diverge."""
    quarter = get_or_404(Quarter, quarter_id)
    plan = service.build(
        quarter,
        board.lanes(current_user),
        queries.goals(quarter, current_user),
        current_user.partnership.members,
    )
    # The timeline leaves dropped goals out: so does its count of private ones.
    hidden = board.hidden_count(quarter, current_user, service.SHOWN_STATUSES)
    return render_template(
        "timeline/show.html", timeline=plan, hidden=hidden, crowded_at=service.CROWDED_AT
    )
