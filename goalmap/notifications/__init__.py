"""Notifications: what concerns one member (the partner cheered or commented on their
goal, proposed a change in the flexibility log, signed or renegotiated a contract,
encouraged a check-in, waits in the goal-mapping session) and what falls due for them,
behind the bell in the header for 90 days. A leaf area: the others call
``service.notify``; it calls none of them. What a notification says is drawn when it is
shown, through the scoped path, so it never tells more than its subject itself."""

from flask import Blueprint

# cli_group=None: the reminder job is ``flask remind``, not grouped under the area.
bp = Blueprint("notifications", __name__, cli_group=None)
