"""Several writers at once on one column: no lost write, no broken position, no 500."""

import random
import re
import threading
import time

from factories import cell_positions, lane_of, load, logged_in, make_goal, stages_of

from goalmap.models import Goal

VERSION = re.compile(r'name="version" type="hidden" value="(\d+)"')
SECONDS = 3.0
WRITERS = 4


def test_concurrent_moves_and_edits_keep_positions_and_acknowledged_writes(app, alex, quarter):
    lane = lane_of(app, alex)
    stages = stages_of(app, alex)[:2]
    goals = [make_goal(app, quarter, lane, stages[i % 2], title=f"G{i}") for i in range(8)]
    acknowledged: list[tuple[int, int, str]] = []  # (goal, version it became, notes)
    failures: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + SECONDS

    def writer(seed: int) -> None:
        rng = random.Random(seed)
        client = logged_in(app, alex)
        n = 0
        while time.monotonic() < deadline:
            goal = rng.choice(goals)
            if rng.random() < 0.5:
                response = client.post(
                    f"/goals/{goal.id}/move",
                    htmx=True,
                    data={
                        "lane_id": lane.id,
                        "stage_id": rng.choice(stages).id,
                        "position": rng.randint(0, 5),
                    },
                )
                if response.status_code != 200:
                    failures.append(f"move {response.status_code}")
                continue
            form = client.get(f"/goals/{goal.id}/edit", htmx=True).get_data(as_text=True)
            version = int(VERSION.search(form).group(1))
            notes = f"writer {seed} edit {n}"
            n += 1
            response = client.post(
                f"/goals/{goal.id}/edit",
                htmx=True,
                data={"title": goal.title, "notes": notes, "status": "active", "version": version},
            )
            if response.status_code == 200:
                with lock:
                    acknowledged.append((goal.id, version + 1, notes))
            elif response.status_code != 409:  # a conflict is the honest answer, not a failure
                failures.append(f"edit {response.status_code}")

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=SECONDS + 30)
    assert failures == []
    assert len(acknowledged) > 5
    for cell, entries in cell_positions(app, quarter.id).items():
        assert [p for p, _ in entries] == list(range(len(entries))), cell
    assert sum(len(e) for e in cell_positions(app, quarter.id).values()) == len(goals)
    latest: dict[int, tuple[int, str]] = {}
    for goal_id, version, notes in acknowledged:
        if version > latest.get(goal_id, (0, ""))[0]:
            latest[goal_id] = (version, notes)
    for goal_id, (version, notes) in latest.items():
        stored = load(app, Goal, goal_id)
        assert (stored.version, stored.notes) == (version, notes)
