"""The board's first action is the one a couple most likely wants there and then.

A session nobody has begun is started, not continued; one someone has begun is continued;
planning the next quarter comes first only in a quarter's last weeks (the session is held
as one quarter ends and the next begins), and stays offered, last, before then.
"""

from datetime import date, timedelta
from html.parser import HTMLParser

import pytest
from factories import lane_of, make_goal, make_quarter, plan_next

from goalmap.planning.service import PLANNING_WEEKS


class Actions(HTMLParser):
    """The links and buttons of the board's "This quarter" navigation, in order, each as
    (its words, whether it is the primary one)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[list] = []
        self._depth = 0
        self._open = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "nav" and attrs.get("aria-label") == "This quarter":
            self._depth = 1
        elif tag == "nav" and self._depth:
            self._depth += 1
        elif self._depth and tag in ("a", "button"):
            self._open = ["", "primary" in (attrs.get("class") or "").split()]
            self.found.append(self._open)

    def handle_endtag(self, tag):
        if tag == "nav" and self._depth:
            self._depth -= 1
        elif tag in ("a", "button"):
            self._open = None

    def handle_data(self, data):
        if self._open is not None:
            self._open[0] += data


def actions(client, quarter_id: int) -> list[tuple[str, bool]]:
    response = client.get(f"/quarters/{quarter_id}")
    assert response.status_code == 200
    parser = Actions()
    parser.feed(response.get_data(as_text=True))
    found = [(" ".join(words.split()), primary) for words, primary in parser.found]
    assert found, "the board has its actions"
    return found


def running(app, alex, ends_in: timedelta):
    """An active quarter of 13 weeks that ends ``ends_in`` from today."""
    ends = date.today() + ends_in
    return make_quarter(
        app, alex, name="Now", state="active", starts_on=ends - timedelta(weeks=13), ends_on=ends
    )


def test_a_session_nobody_began_is_started_not_continued(app, alex, sam, alex_client):
    quarter = make_quarter(app, alex, name="First", state="planning")
    first = actions(alex_client, quarter.id)[0]
    assert first == ("Start the goal-mapping session", True)
    assert not any("Continue" in words for words, _primary in actions(alex_client, quarter.id))


@pytest.mark.parametrize("how", ["goal", "ready"])
def test_a_session_someone_began_is_continued(app, alex, sam, alex_client, sam_client, how):
    quarter = make_quarter(app, alex, name="First", state="planning")
    if how == "goal":
        make_goal(app, quarter, lane_of(app, alex), title="Learn the cello")
    else:  # the partner drafted nothing but said they are ready
        assert sam_client.post(f"/quarters/{quarter.id}/session/ready").status_code < 400
    assert actions(alex_client, quarter.id)[0] == ("Continue the goal-mapping session", True)


def test_the_look_back_begins_the_session(app, alex, sam, alex_client):
    quarter = running(app, alex, timedelta(days=3))
    goal = make_goal(app, quarter, lane_of(app, alex), title="Run a 10k")
    upcoming = plan_next(alex_client, quarter)
    first, primary = actions(alex_client, quarter.id)[0]
    assert first.startswith("Start the goal-mapping session for") and primary
    form = {"decision": "drop", "reason": "", "dates": "clear"}
    response = alex_client.post(f"/quarters/{upcoming}/session/review/{goal.id}", data=form)
    assert response.status_code < 400
    first, primary = actions(alex_client, quarter.id)[0]
    assert first.startswith("Continue the goal-mapping session for") and primary
    assert actions(alex_client, upcoming)[0] == ("Continue the goal-mapping session", True)


def test_planning_the_next_quarter_is_not_first_in_a_quarter_that_just_began(
    app, alex, sam, alex_client
):
    quarter = running(app, alex, timedelta(weeks=12))
    found = actions(alex_client, quarter.id)
    assert found[0][0] != "Plan the next quarter"
    assert found[-1] == ("Plan the next quarter", False)  # still there, last and plain
    assert not any(primary for _words, primary in found)
    assert not any("session" in words for words, _primary in found)


@pytest.mark.parametrize("left", [PLANNING_WEEKS, timedelta(days=1), timedelta(days=-5)])
def test_planning_the_next_quarter_comes_first_in_its_last_weeks(app, alex, sam, alex_client, left):
    quarter = running(app, alex, left)
    found = actions(alex_client, quarter.id)
    assert found[0] == ("Plan the next quarter", True)
    assert [words for words, _primary in found].count("Plan the next quarter") == 1


def test_a_planned_next_quarter_is_what_the_board_offers(app, alex, sam, alex_client):
    quarter = running(app, alex, timedelta(weeks=12))
    upcoming = plan_next(alex_client, quarter)
    found = actions(alex_client, quarter.id)
    assert found[0][1] and found[0][0].startswith("Start the goal-mapping session for ")
    assert "Plan the next quarter" not in [words for words, _primary in found]
    assert actions(alex_client, upcoming)[0] == ("Start the goal-mapping session", True)


def test_a_reviewed_quarter_leads_to_the_one_after_it(app, alex, sam, alex_client):
    old = make_quarter(app, alex, name="Old", state="reviewed")
    make_quarter(
        app,
        alex,
        name="New",
        state="active",
        starts_on=date(2027, 4, 1),
        ends_on=date(2027, 6, 30),
        previous_id=old.id,
    )
    found = actions(alex_client, old.id)
    assert found[0] == ("New’s board", False)
    assert not any("session" in words or "Plan" in words for words, _primary in found)


def test_the_quarters_page_leads_with_planning_only_when_there_is_no_quarter(
    app, alex, alex_client
):
    def new_quarter_link():
        page = alex_client.get("/quarters").get_data(as_text=True)
        return next(line for line in page.splitlines() if "/quarters/new" in line)

    assert 'class="button primary"' in new_quarter_link()
    make_quarter(app, alex, name="First", state="active")
    assert 'class="button"' in new_quarter_link()
