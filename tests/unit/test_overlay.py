"""An earlier release told by its changes against the new one (app/reports/overlay.py) must be
the same cells as the earlier release read whole, and disclosure.publishable must decide the
same cells with either form; checked on random releases with two-level lines (a total, its
rows, and the rows' own rows), several earlier releases and random changes between them."""

import random

import pytest

from app.reports.disclosure import Earlier, Line, difference, publishable
from app.reports.overlay import ABSENT, OverlaidCells, Overlay

TOTAL = "t"
ROWS = ("a", "b", "c", "d")
SUB_ROWS = {row: tuple(f"{row}{n}" for n in range(3)) for row in ROWS}
LINES = (Line(TOTAL, ROWS), *(Line(row, SUB_ROWS[row]) for row in ROWS))


def _cells_of(place: tuple[str, str]) -> tuple[str, ...]:
    row, sub = place
    return (TOTAL, row, sub)


def _release(companies: dict[int, tuple]) -> dict[str, dict]:
    """Cell -> company -> submission, from company -> (place, submission)."""
    cells = {key: {} for key in (TOTAL, *ROWS, *(s for subs in SUB_ROWS.values() for s in subs))}
    for company, (place, submission) in companies.items():
        for key in _cells_of(place):
            cells[key][company] = submission
    return cells


def _entries(state) -> dict:
    if state is None:
        return {}
    place, submission = state
    return dict.fromkeys(_cells_of(place), submission)


def _changed(now: dict, then: dict) -> dict:
    return {
        c: (_entries(now.get(c)), _entries(then.get(c)))
        for c in now.keys() | then.keys()
        if now.get(c) != then.get(c)
    }


def _random_place(rng):
    row = rng.choice(ROWS)
    return (row, rng.choice(SUB_ROWS[row]))


def _evolve(rng, companies: dict, changes: int) -> dict:
    result = dict(companies)
    for _ in range(changes):
        c = rng.randrange(80)
        roll = rng.random()
        if roll < 0.25:
            result.pop(c, None)  # left
        elif roll < 0.5:
            result[c] = (_random_place(rng), (c, rng.randint(1, 4)))  # joined or resubmitted
        elif c in result:
            result[c] = (_random_place(rng), result[c][1])  # moved
    return result


def test_an_overlay_is_the_cell_it_stands_for():
    rng = random.Random(7)
    for _ in range(300):
        then = {c: (_random_place(rng), (c, 1)) for c in rng.sample(range(80), rng.randint(0, 40))}
        now = _evolve(rng, then, rng.randint(0, 15))
        now_cells, then_cells = _release(now), _release(then)
        overlaid = OverlaidCells(now_cells, _changed(now, then))
        assert set(overlaid) == set(then_cells)
        for key, members in then_cells.items():
            cell = overlaid[key]
            assert isinstance(cell, Overlay) and cell.base is now_cells[key]
            assert dict(cell) == members and len(cell) == len(members)
            assert all(cell.get(c) == members.get(c) for c in range(80))
            assert all((c in cell) == (c in members) for c in range(80))
            assert difference(now_cells[key], cell) == difference(now_cells[key], members)
            for stop in (1, 3, 5):
                fast = difference(now_cells[key], cell, stop=stop)
                exact = difference(now_cells[key], members)
                assert fast == exact if exact < stop else fast >= stop


def test_publishable_decides_the_same_with_overlaid_earlier_releases():
    rng = random.Random(13)
    differing = 0
    for _ in range(400):
        history = [
            {c: (_random_place(rng), (c, 1)) for c in rng.sample(range(80), rng.randint(5, 70))}
        ]
        for _ in range(rng.randint(1, 3)):
            history.append(_evolve(rng, history[-1], rng.randint(0, 12)))
        now, earlier_states = history[-1], history[:-1]
        now_cells = _release(now)
        all_keys = list(now_cells)
        whole, overlaid = [], []
        for state in earlier_states:
            published = frozenset(k for k in all_keys if rng.random() < 0.7)
            whole.append(Earlier(_release(state), published))
            overlaid.append(Earlier(OverlaidCells(now_cells, _changed(now, state)), published))
        for k in (2, 5):
            expected = publishable(now_cells, LINES, whole, k)
            assert publishable(now_cells, LINES, overlaid, k) == expected
            differing += expected != publishable(now_cells, LINES, (), k)
    assert differing > 50  # the earlier releases did change decisions, often


def test_overlaid_cells_of_overlays_needs_every_cell_of_the_new_release():
    now = {"t": {1: "s"}, "a": {1: "s"}}
    cells = {"t": Overlay(now["t"], {})}
    with pytest.raises(ValueError):
        OverlaidCells.of_overlays(now, cells)
    whole = OverlaidCells.of_overlays(now, cells | {"a": Overlay(now["a"], {1: ABSENT})})
    assert whole.now is now and whole.changed is None and dict(whole["a"]) == {}
