"""Every cell keeps the order people gave it, whatever sequence of moves happens, and a
move writes one row unless its cell has to be spaced out."""

from factories import cell_positions, lane_of, make_goal, shared_lane, stages_of
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from goalmap.extensions import db
from goalmap.models import Goal, Lane, Stage

operations = st.lists(
    st.tuples(
        st.sampled_from(["move", "move", "delete", "restore"]),
        st.integers(0, 5),  # which goal
        st.integers(0, 1),  # which lane
        st.integers(0, 3),  # which stage
        st.integers(0, 8),  # which place (past the end is clamped)
    ),
    min_size=1,
    max_size=30,
)


def board_order(app, quarter_id: int) -> dict:
    return {
        cell: [g for _, g in entries] for cell, entries in cell_positions(app, quarter_id).items()
    }


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=operations)
def test_any_sequence_of_moves_gives_the_order_asked_for(app, alex, quarter, ops):
    # The fixtures are made once for all examples; each example starts from no goals.
    with app.app_context():
        db.session.execute(db.delete(Goal))
        db.session.commit()
    lanes = [lane_of(app, alex), shared_lane(app, alex)]
    stages = stages_of(app, alex)
    goals = [make_goal(app, quarter, lanes[i % 2], stages[i % 4], title=f"G{i}") for i in range(6)]
    # The model: each cell a list of goal ids, as a person sees the board.
    expected: dict = {}
    where: dict = {}
    for goal in goals:
        expected.setdefault((goal.lane_id, goal.stage_id), []).append(goal.id)
        where[goal.id] = (goal.lane_id, goal.stage_id)
    deleted: set = set()
    for op, which, lane, stage, place in ops:
        goal_id = goals[which].id
        with app.app_context():
            goal = db.session.get(Goal, goal_id)
            if op == "move" and goal_id not in deleted:
                goal.move_to(
                    db.session.get(Lane, lanes[lane].id),
                    db.session.get(Stage, stages[stage].id),
                    place,
                )
                expected[where[goal_id]].remove(goal_id)
                where[goal_id] = (lanes[lane].id, stages[stage].id)
                cell = expected.setdefault(where[goal_id], [])
                cell.insert(min(place, len(cell)), goal_id)
            elif op == "delete" and goal_id not in deleted:
                goal.soft_delete()
                expected[where[goal_id]].remove(goal_id)
                deleted.add(goal_id)
            elif op == "restore" and goal_id in deleted:
                goal.restore()
                expected[where[goal_id]].append(goal_id)
                deleted.discard(goal_id)
            db.session.commit()
        assert board_order(app, quarter.id) == {k: v for k, v in expected.items() if v}


def test_a_move_writes_one_row_until_its_cell_is_spaced_out(
    app, alex, quarter, alex_client, count_queries
):
    lane, stage = lane_of(app, alex), stages_of(app, alex)[0]
    goals = [make_goal(app, quarter, lane, stage, title=f"G{i}") for i in range(30)]
    order = [g.id for g in goals]
    counts = []
    # Put the last goal second, over and over: the gap after the first one halves each time.
    for _ in range(14):
        with count_queries() as counter:
            response = alex_client.post(
                f"/goals/{order[-1]}/move",
                data={"lane_id": lane.id, "stage_id": stage.id, "position": 1},
            )
        assert response.status_code == 302
        order.insert(1, order.pop())
        counts.append(counter.updated_rows)
        assert board_order(app, quarter.id)[lane.id, stage.id] == order
    # Each move: the goal's row and the partnership's last-change time.
    assert counts.count(2) >= 9, counts
    spaced_out = [n for n in counts if n != 2]
    assert len(spaced_out) == 1, counts  # the one move that found no room left
    # Every goal of the cell twice (through the band and back), this one's other columns,
    # and the partnership's last change.
    assert spaced_out[0] == 30 + 30 + 1 + 1, counts


def test_moving_a_goal_to_where_it_is_writes_nothing_but_the_time(
    app, alex, quarter, alex_client, count_queries
):
    lane, stage = lane_of(app, alex), stages_of(app, alex)[0]
    goals = [make_goal(app, quarter, lane, stage, title=f"G{i}") for i in range(3)]
    with count_queries() as counter:
        alex_client.post(
            f"/goals/{goals[1].id}/move",
            data={"lane_id": lane.id, "stage_id": stage.id, "position": 1},
        )
    assert board_order(app, quarter.id)[lane.id, stage.id] == [g.id for g in goals]
    assert counter.updated_rows <= 2  # its updated_at, and the partnership's last change


def test_a_goal_moving_into_a_cell_with_no_room_lands_where_asked(app, alex, quarter):
    lane, stages = lane_of(app, alex), stages_of(app, alex)
    first, second = (make_goal(app, quarter, lane, stages[0], title=t) for t in ("A", "B"))
    mover = make_goal(app, quarter, lane, stages[1], title="C")
    with app.app_context():
        # Neighbours with no rank between them, and the mover holding the rank the cell
        # will give it once spaced out (GAP * 2): the case that left a row in the band.
        db.session.get(Goal, first.id).position = Goal.GAP
        db.session.get(Goal, second.id).position = Goal.GAP + 1
        db.session.get(Goal, mover.id).position = 2 * Goal.GAP
        db.session.commit()
        goal = db.session.get(Goal, mover.id)
        assert (
            goal.move_to(db.session.get(Lane, lane.id), db.session.get(Stage, stages[0].id), 1) == 1
        )
        db.session.commit()
    assert board_order(app, quarter.id)[lane.id, stages[0].id] == [first.id, mover.id, second.id]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.max(Goal.position))) < Goal.BAND
    # The cell still takes new goals, however often it is spaced out again.
    for i in range(12):
        make_goal(app, quarter, lane, stages[0], title=f"New {i}")
        with app.app_context():
            goal = db.session.get(Goal, mover.id)
            goal.move_to(db.session.get(Lane, lane.id), db.session.get(Stage, stages[0].id), 1)
            db.session.commit()
    assert len(board_order(app, quarter.id)[lane.id, stages[0].id]) == 15
