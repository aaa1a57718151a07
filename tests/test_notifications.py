"""Notifications: who hears of what (never the member who acted, never about a goal they
may not see), the bell's unread count on every page, opening and reading them, the
90 days they are kept, and reminders of what falls due made once."""

import html
import re
from datetime import date, timedelta

import pytest
from factories import (
    lane_of,
    make_contract,
    make_goal,
    make_quarter,
    make_user,
    plan_next,
    raise_entry,
    shared_lane,
)
from sqlalchemy import select

from goalmap.extensions import db
from goalmap.flexibility import service as flexibility
from goalmap.models import ContractCheckIn, FlexEntry, Goal, Notification, User, utcnow
from goalmap.notifications import service

TODAY = date.today()


@pytest.fixture
def plan(app, alex, sam):
    """An active quarter with Alex's goal, Alex's private goal, Sam's goal and a shared one."""
    quarter = make_quarter(
        app,
        alex,
        name="Now",
        starts_on=TODAY - timedelta(days=30),
        ends_on=TODAY + timedelta(days=60),
        state="active",
    )
    return {
        "quarter": quarter,
        "run": make_goal(app, quarter, lane_of(app, alex), title="Run 10k"),
        "therapy": make_goal(app, quarter, lane_of(app, alex), title="Therapy", is_private=True),
        "paint": make_goal(app, quarter, lane_of(app, sam), title="Sam paints"),
        "trip": make_goal(app, quarter, shared_lane(app, alex), title="Our trip"),
    }


def kinds(app, user) -> list[str]:
    """The kinds of ``user``'s notifications, oldest first."""
    with app.app_context():
        return list(
            db.session.scalars(
                select(Notification.kind)
                .where(Notification.user_id == user.id)
                .order_by(Notification.id)
            )
        )


def ids_of(app, user) -> list[int]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(Notification.id)
                .where(Notification.user_id == user.id)
                .order_by(Notification.id)
            )
        )


def shown(client) -> list[str]:
    """What the notifications page says, newest first."""
    body = client.get("/notifications").get_data(as_text=True)
    found = re.findall(r'class="link notification-open">(.*?)</button>', body, re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", text).replace("Unread: ", "")) for text in found]


def badge(body: str) -> int:
    """The bell's unread count in a page or fragment (0: no badge)."""
    bell = re.search(r'<a id="bell".*?</a>', body, re.S)
    assert bell, "no bell"
    count = re.search(r'<span class="badge"[^>]*>(\d+)</span>', bell.group(0))
    if count is None:
        return 0
    assert f"({count.group(1)} unread)" in bell.group(0)  # said to screen readers too
    return int(count.group(1))


def notification(app, user, days_ago: float = 0, **fields) -> int:
    """A notification for ``user`` made ``days_ago`` days ago; its id."""
    with app.app_context():
        row = Notification(
            partnership_id=user.partnership_id,
            user_id=user.id,
            kind=fields.pop("kind", "weekly_due"),
            created_at=utcnow() - timedelta(days=days_ago),
            **fields,
        )
        db.session.add(row)
        db.session.commit()
        return row.id


# -- who hears of what -------------------------------------------------------------------


@pytest.mark.parametrize(
    "goal, actor, told, says",
    [
        ("run", "sam", "alex", "Sam cheered your goal ‘Run 10k’"),
        ("trip", "sam", "alex", "Sam cheered your shared goal ‘Our trip’"),
        ("trip", "alex", "sam", "Alex cheered your shared goal ‘Our trip’"),
        ("paint", "alex", "sam", "Alex cheered your goal ‘Sam paints’"),
    ],
)
def test_a_cheer_tells_whom_the_goal_concerns_and_not_the_actor(
    app, alex, sam, plan, alex_client, sam_client, goal, actor, told, says
):
    clients = {"alex": alex_client, "sam": sam_client}
    members = {"alex": alex, "sam": sam}
    assert clients[actor].post(f"/goals/{plan[goal].id}/cheers").status_code == 302
    assert kinds(app, members[told]) == ["cheered"]
    assert kinds(app, members[actor]) == []
    assert shown(clients[told]) == [says]
    # A second cheer is refused, and tells nobody again.
    clients[actor].post(f"/goals/{plan[goal].id}/cheers")
    assert kinds(app, members[told]) == ["cheered"]


@pytest.mark.parametrize(
    "goal, actor, told, says",
    [
        ("run", "sam", "alex", "Sam commented on your goal ‘Run 10k’"),
        ("trip", "alex", "sam", "Alex commented on your shared goal ‘Our trip’"),
    ],
)
def test_a_comment_tells_whom_the_goal_concerns_and_not_the_actor(
    app, alex, sam, plan, alex_client, sam_client, goal, actor, told, says
):
    clients = {"alex": alex_client, "sam": sam_client}
    members = {"alex": alex, "sam": sam}
    response = clients[actor].post(f"/goals/{plan[goal].id}/comments", data={"body": "Go!"})
    assert response.status_code == 302
    assert kinds(app, members[told]) == ["commented"]
    assert kinds(app, members[actor]) == []
    assert shown(clients[told]) == [says]


def test_a_word_on_ones_own_goal_tells_nobody(app, alex, sam, plan, alex_client):
    alex_client.post(f"/goals/{plan['run'].id}/comments", data={"body": "Note to self"})
    alex_client.post(f"/goals/{plan['run'].id}/cheers")
    assert kinds(app, alex) == kinds(app, sam) == []


def test_a_partner_never_hears_of_a_private_goal(app, alex, sam, plan, alex_client):
    alex_client.post(f"/goals/{plan['therapy'].id}/comments", data={"body": "Hard week"})
    alex_client.post(f"/goals/{plan['therapy'].id}/cheers")
    assert kinds(app, sam) == []
    # Not even when asked to: the rule is in notify itself.
    with app.app_context():
        goal = db.session.get(Goal, plan["therapy"].id)
        owner = db.session.get(User, alex.id)
        assert service.notify("cheered", owner.partnership.members, owner, goal=goal) == []
        goal.is_private, goal.is_draft = False, True  # nor of a partner's draft
        assert service.notify("cheered", owner.partnership.members, owner, goal=goal) == []
        db.session.rollback()


def test_a_notification_names_a_goal_only_while_the_member_may_see_it(
    app, alex, sam, plan, sam_client
):
    """Its words are drawn when shown: Alex's goal turned private is no longer named to
    Sam, and opening the notification does not lead there."""
    note = notification(app, sam, kind="commented", goal_id=plan["run"].id, actor_id=alex.id)
    assert shown(sam_client) == ["Alex commented on ‘Run 10k’"]
    with app.app_context():
        db.session.get(Goal, plan["run"].id).is_private = True
        db.session.commit()
    body = sam_client.get("/notifications").get_data(as_text=True)
    assert "Run 10k" not in body
    assert shown(sam_client) == ["Alex commented on a goal"]
    response = sam_client.post(f"/notifications/{note}/open")
    assert response.headers["Location"] == "/notifications"
    assert "no longer yours to see" in sam_client.get("/notifications").get_data(as_text=True)


def test_the_goals_of_a_list_are_read_in_one_query(app, alex, sam, plan, sam_client, count_queries):
    def page_queries() -> int:
        with count_queries() as counter:
            assert sam_client.get("/notifications").status_code == 200
        return counter.count

    notification(app, sam, kind="cheered", goal_id=plan["trip"].id, actor_id=alex.id)
    few = page_queries()
    for _ in range(5):
        notification(app, sam, kind="cheered", goal_id=plan["paint"].id, actor_id=alex.id)
        notification(app, sam, kind="commented", goal_id=plan["trip"].id, actor_id=alex.id)
    assert page_queries() == few


def test_a_proposal_in_the_flexibility_log_tells_the_others(
    app, alex, sam, plan, alex_client, sam_client
):
    # Alex's own goal only: applied at once, nobody's yes is needed, nobody is told.
    raise_entry(app, alex, plan["quarter"], [(plan["run"], "pause")], event="Knee")
    assert kinds(app, sam) == []
    entry, _ids = raise_entry(app, alex, plan["quarter"], [(plan["trip"], "pause")])
    assert kinds(app, sam) == ["flex_proposed"]
    assert kinds(app, alex) == []
    assert shown(sam_client) == ["Alex proposed a change in the flexibility log"]
    # Sam's yes tells the entry's raiser, once.
    assert sam_client.post(f"/flexibility/{entry}/respond").status_code == 302
    assert kinds(app, alex) == ["flex_acknowledged"]
    assert shown(alex_client) == ["Sam acknowledged your entry in the flexibility log"]
    assert kinds(app, sam) == ["flex_proposed"]
    location = alex_client.post(f"/notifications/{ids_of(app, alex)[0]}/open").headers["Location"]
    assert location == f"/flexibility/{entry}"


def test_a_contract_tells_its_owner_of_the_signature_and_encouragement(
    app, alex, sam, plan, alex_client, sam_client
):
    contract, _none = make_contract(app, plan["run"])
    assert kinds(app, sam) == []  # a draft tells nobody yet
    assert sam_client.post(f"/contracts/{contract}/sign", data={"seen": "1"}).status_code == 302
    assert kinds(app, alex) == ["contract_signed"]
    assert kinds(app, sam) == []
    response = alex_client.post(f"/contracts/{contract}/check-ins", data={"progress": "20"})
    assert response.status_code == 302
    with app.app_context():
        check_in = db.session.scalar(select(ContractCheckIn.id))
    words = {"words": "Proud of you"}
    response = sam_client.post(f"/contract-check-ins/{check_in}/encourage", data=words)
    assert response.status_code == 302
    assert kinds(app, alex) == ["contract_signed", "encouraged"]
    assert shown(alex_client) == [
        "Sam encouraged your check-in",
        "Sam signed your development contract",
    ]
    location = alex_client.post(f"/notifications/{ids_of(app, alex)[0]}/open").headers["Location"]
    assert location == f"/contracts/{contract}"


def test_new_terms_tell_the_witness_unless_the_contract_is_kept_from_them(
    app, alex, sam, plan, alex_client, sam_client
):
    terms = {
        "commitment": "One module a month",
        "success": "The certificate",
        "support": "",
        "cadence": "monthly",
        "starts_on": TODAY.isoformat(),
        "ends_on": (TODAY + timedelta(days=60)).isoformat(),
    }
    contract, _none = make_contract(app, plan["run"], witness=sam)
    assert alex_client.post(f"/contracts/{contract}/renegotiate", data=terms).status_code == 302
    assert kinds(app, sam) == ["contract_renegotiated"]
    assert shown(sam_client) == ["Alex proposed new terms for their development contract"]
    # A contract on a private goal, not shown to Sam: Sam hears nothing of it.
    secret, _none = make_contract(app, plan["therapy"], witness=sam)
    assert alex_client.post(f"/contracts/{secret}/renegotiate", data=terms).status_code == 302
    assert kinds(app, sam) == ["contract_renegotiated"]
    assert kinds(app, alex) == ["contract_signed", "contract_signed"]


def test_the_session_tells_the_others_who_have_not_caught_up(
    app, alex, sam, alex_client, sam_client
):
    last = make_quarter(app, alex, name="2027 Q1", state="active")
    quarter_id = plan_next(alex_client, last)
    assert alex_client.post(f"/quarters/{quarter_id}/session/ready").status_code == 302
    assert kinds(app, sam) == ["session_waiting"]
    alex_client.post(f"/quarters/{quarter_id}/session/ready")  # again: nobody told twice
    assert kinds(app, sam) == ["session_waiting"]
    assert sam_client.post(f"/quarters/{quarter_id}/session/ready").status_code == 302
    assert kinds(app, alex) == []  # Alex was ready already
    assert sam_client.post(f"/quarters/{quarter_id}/session/confirm").status_code == 302
    assert kinds(app, alex) == ["session_waiting"]
    assert shown(alex_client) == ["Sam is ready and waiting for you in the goal-mapping session"]
    location = alex_client.post(f"/notifications/{ids_of(app, alex)[0]}/open").headers["Location"]
    assert location == f"/quarters/{quarter_id}/session"


# -- the bell, opening and reading -------------------------------------------------------


def test_the_bell_counts_unread_on_every_page_and_in_its_fragment(
    app, alex, sam, plan, alex_client, sam_client
):
    board = f"/quarters/{plan['quarter'].id}"
    assert badge(alex_client.get(board).get_data(as_text=True)) == 0
    sam_client.post(f"/goals/{plan['run'].id}/cheers")
    sam_client.post(f"/goals/{plan['run'].id}/comments", data={"body": "Go!"})
    for url in (board, "/wins", "/notifications", "/settings"):
        assert badge(alex_client.get(url).get_data(as_text=True)) == 2, url
    fragment = alex_client.get("/notifications/bell", htmx=True).get_data(as_text=True)
    assert fragment.strip().startswith('<a id="bell"')
    assert 'data-live="/notifications/bell"' in fragment
    assert 'data-live-on="notified changed"' in fragment
    assert badge(fragment) == 2
    assert badge(sam_client.get(board).get_data(as_text=True)) == 0


def test_the_bell_costs_the_board_no_query(app, alex, sam, plan, alex_client, count_queries):
    board = f"/quarters/{plan['quarter'].id}"

    def board_queries() -> int:
        with count_queries() as counter:
            assert alex_client.get(board).status_code == 200
        return counter.count

    quiet = board_queries()
    for _ in range(3):
        notification(app, alex, kind="cheered", goal_id=plan["run"].id, actor_id=sam.id)
    assert board_queries() == quiet
    assert badge(alex_client.get(board).get_data(as_text=True)) == 3


def test_opening_a_notification_marks_it_read_and_goes_to_what_it_is_about(
    app, alex, sam, plan, alex_client, sam_client
):
    sam_client.post(f"/goals/{plan['run'].id}/cheers")
    weekly = notification(app, alex, kind="weekly_due", due_on=TODAY, key="weekly:x")
    cheer, _weekly = ids_of(app, alex)
    page = alex_client.get("/notifications").get_data(as_text=True)
    assert page.count("is-unread") == 2
    response = alex_client.post(f"/notifications/{cheer}/open")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/goals/{plan['run'].id}/story"
    assert badge(alex_client.get(response.headers["Location"]).get_data(as_text=True)) == 1
    page = alex_client.get("/notifications").get_data(as_text=True)
    assert page.count("is-unread") == 1
    assert f'class="notification" id="notification-{cheer}"' in page  # read now
    # Opened again, it stays read and still leads there.
    again = alex_client.post(f"/notifications/{cheer}/open")
    assert again.headers["Location"] == response.headers["Location"]
    assert alex_client.post(f"/notifications/{weekly}/open").headers["Location"] == "/weekly"
    assert badge(alex_client.get("/notifications").get_data(as_text=True)) == 0


def test_mark_all_read_without_and_with_htmx(app, alex, sam, plan, alex_client, sam_client):
    sam_client.post(f"/goals/{plan['run'].id}/cheers")
    sam_client.post(f"/goals/{plan['run'].id}/comments", data={"body": "Go!"})
    response = alex_client.post("/notifications/read?next=/wins")
    assert response.status_code == 302 and response.headers["Location"] == "/wins"
    page = alex_client.get("/wins").get_data(as_text=True)
    assert badge(page) == 0
    assert "Every notification is marked read." in page
    sam_client.post(f"/goals/{plan['trip'].id}/cheers")
    assert badge(alex_client.get("/wins").get_data(as_text=True)) == 1
    response = alex_client.post("/notifications/read", htmx=True)
    assert response.status_code == 200
    assert response.headers["HX-Trigger"] == "notifications-read"
    fragment = response.get_data(as_text=True)
    assert fragment.strip().startswith('<a id="bell"') and badge(fragment) == 0
    # The list on the page listens for that event, and answers htmx with itself.
    page = alex_client.get("/notifications").get_data(as_text=True)
    assert 'data-hx-trigger="notifications-read from:body"' in page
    listing = alex_client.get("/notifications", htmx=True)
    assert "HX-Request" in listing.headers["Vary"]
    assert listing.get_data(as_text=True).strip().startswith('<section id="notifications"')
    assert "is-unread" not in listing.get_data(as_text=True)


def test_a_member_reads_and_opens_only_their_own_notifications(
    app, alex, sam, plan, alex_client, sam_client, stranger_client
):
    sam_client.post(f"/goals/{plan['run'].id}/cheers")
    (alexs,) = ids_of(app, alex)
    assert sam_client.post(f"/notifications/{alexs}/open").status_code == 404
    assert stranger_client.post(f"/notifications/{alexs}/open").status_code == 404
    assert sam_client.post("/notifications/read").status_code == 302
    assert badge(alex_client.get("/notifications").get_data(as_text=True)) == 1
    assert shown(sam_client) == [] and shown(stranger_client) == []
    assert app.test_client().get("/notifications").status_code == 302  # sign in first


# -- kept for 90 days ----------------------------------------------------------------------


def test_notifications_show_for_90_days_and_are_forgotten_after(app, alex, alex_client):
    kept = notification(app, alex, days_ago=89, key="weekly:kept")
    old = notification(app, alex, days_ago=91, key="weekly:old")
    page = alex_client.get("/notifications").get_data(as_text=True)
    assert f"notification-{kept}" in page and f"notification-{old}" not in page
    assert badge(page) == 1
    assert badge(alex_client.get("/notifications/bell").get_data(as_text=True)) == 1
    result = app.test_cli_runner().invoke(args=["remind"])
    assert result.exit_code == 0, result.output
    assert "1 old notification(s) forgotten" in result.output
    with app.app_context():
        assert db.session.get(Notification, old) is None
        assert db.session.get(Notification, kept) is not None


# -- reminders of what falls due --------------------------------------------------------


def test_reminders_are_made_once_for_whom_they_concern(app, alex, sam, plan, alex_client):
    """Alex's contract waits for its first check-in (Alex's to make, not Sam's); an agreed
    entry's look-again day has come; neither has answered this week's check-in."""
    contract, _none = make_contract(app, plan["run"], witness=sam)
    entry, _ids = raise_entry(app, alex, plan["quarter"], [], look_again_on=TODAY)
    with app.app_context():
        flexibility.respond(db.session.get(FlexEntry, entry), db.session.get(User, sam.id), "", [])
        db.session.commit()
    before = {"alex": len(kinds(app, alex)), "sam": len(kinds(app, sam))}
    runner = app.test_cli_runner()
    first = runner.invoke(args=["remind"])
    assert first.exit_code == 0, first.output
    assert "5 reminder(s) made" in first.output
    assert sorted(kinds(app, alex)[before["alex"] :]) == [
        "check_in_due",
        "look_again_due",
        "weekly_due",
    ]
    assert sorted(kinds(app, sam)[before["sam"] :]) == ["look_again_due", "weekly_due"]
    second = runner.invoke(args=["remind"])
    assert "0 reminder(s) made" in second.output
    assert len(kinds(app, alex)) == before["alex"] + 3
    assert set(shown(alex_client)[:3]) == {
        "A check-in on your contract is due",
        "A look-again date has come",
        "This week's check-in is waiting for your answers",
    }
    leads = {
        alex_client.post(f"/notifications/{note}/open").headers["Location"]
        for note in ids_of(app, alex)[before["alex"] :]
    }
    assert leads == {f"/contracts/{contract}", f"/flexibility/{entry}#follow-up", "/weekly"}


def test_a_reminder_made_twice_at_once_is_one(app, alex):
    with app.app_context():
        member = db.session.get(User, alex.id)
        assert service.remind(member, "weekly_due", "weekly:2027-01-04", date(2027, 1, 4))
        # The twin, as a run at the same moment makes it: the unique index refuses it.
        assert not service.remind(member, "weekly_due", "weekly:2027-01-04", date(2027, 1, 4))
        db.session.commit()
    assert kinds(app, alex) == ["weekly_due"]


def test_what_a_notification_is_about_is_never_left_to_chance(app, alex, sam, plan):
    faraway = make_user(app, "Faraway")
    elsewhere = make_goal(app, make_quarter(app, faraway), lane_of(app, faraway)).id
    with app.app_context():
        member, partner = db.session.get(User, alex.id), db.session.get(User, sam.id)
        with pytest.raises(ValueError):
            service.notify("weekly_due", [partner], member)  # not something a member does
        with pytest.raises(ValueError):
            service.remind(member, "cheered", "x", TODAY)  # not something that falls due
        # Another partnership's goal is no subject for Alex or Sam.
        goal = db.session.get(Goal, elsewhere)
        with pytest.raises(ValueError):
            service.remind(member, "check_in_due", "y", TODAY, goal=goal)
        assert service.notify("cheered", [partner], member, goal=goal) == []
