"""Positions stay dense and unique in every cell, whatever sequence of moves happens."""

from factories import cell_positions, lane_of, make_goal, shared_lane, stages_of
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from goalmap.extensions import db
from goalmap.models import Goal, Lane, Stage

operations = st.lists(
    st.tuples(
        st.sampled_from(["move", "delete", "restore"]),
        st.integers(0, 5),  # which goal
        st.integers(0, 1),  # which lane
        st.integers(0, 3),  # which stage
        st.integers(0, 8),  # which position (past the end is clamped)
    ),
    min_size=1,
    max_size=25,
)


def assert_dense(app, quarter_id: int) -> None:
    for cell, entries in cell_positions(app, quarter_id).items():
        assert [position for position, _ in entries] == list(range(len(entries))), cell


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=operations)
def test_any_sequence_of_moves_keeps_every_cell_dense(app, alex, quarter, ops):
    # The fixtures are made once for all examples; each example starts from no goals.
    with app.app_context():
        db.session.execute(db.delete(Goal))
        db.session.commit()
    lanes = [lane_of(app, alex), shared_lane(app, alex)]
    stages = stages_of(app, alex)
    goals = [make_goal(app, quarter, lanes[i % 2], stages[i % 4], title=f"G{i}") for i in range(6)]
    for op, which, lane, stage, position in ops:
        with app.app_context():
            goal = db.session.get(Goal, goals[which].id)
            if op == "move" and goal.deleted_at is None:
                goal.move_to(
                    db.session.get(Lane, lanes[lane].id),
                    db.session.get(Stage, stages[stage].id),
                    position,
                )
            elif op == "delete" and goal.deleted_at is None:
                goal.soft_delete()
            elif op == "restore" and goal.deleted_at is not None:
                goal.restore()
            db.session.commit()
        assert_dense(app, quarter.id)
    with app.app_context():
        live = db.session.scalar(
            db.select(db.func.count()).where(
                Goal.quarter_id == quarter.id, Goal.deleted_at.is_(None)
            )
        )
    assert sum(len(v) for v in cell_positions(app, quarter.id).values()) == live
