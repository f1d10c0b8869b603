"""The quantitative indicator sub-cells built from the choosers (app/reports/kpi_cells.py) must be
the cells of their plain definition (kpi:X|C: the companies of C that chose X, as their status;
kpinot:X|C: the rest of C, as their submission), an earlier release's sub-cells told by their
changes must be that release's plain sub-cells, and disclosure.publishable must decide the same
with either form; checked on random releases, choices and changes between them."""

import random

from app.reports import kpi_cells as K
from app.reports.disclosure import Earlier, Line, publishable
from app.reports.overlay import OverlaidCells, Overlay
from tests.unit.test_overlay import LINES, _changed, _evolve, _random_place, _release

EXAMPLES = ("X", "Y")
STATUSES = ("achieved", "on_track", "behind")


def _choosers(companies: dict, choices: dict) -> dict[int, K.Chooser]:
    """Company -> Chooser, for the members that chose something."""
    result = {}
    for company, (place, submission) in companies.items():
        statuses = choices.get(company, {})
        if statuses:
            cells = _release({company: (place, submission)})
            mine = tuple(key for key, members in cells.items() if members)
            result[company] = K.Chooser(mine, submission, dict(statuses))
    return result


def _plain_sub_cells(main: dict, choices: dict, example: str) -> dict[str, dict]:
    result = {}
    for key, members in main.items():
        chose = {c: choices[c][example] for c in members if example in choices.get(c, {})}
        result[K.kpi_key(example, key)] = chose
        result[K.rest_key(example, key)] = {c: s for c, s in members.items() if c not in chose}
    return result


def _random_choices(rng) -> dict[int, dict[str, str]]:
    return {c: {x: rng.choice(STATUSES) for x in EXAMPLES if rng.random() < 0.3} for c in range(80)}


def _evolve_choices(rng, choices: dict, changes: int) -> dict:
    result = {c: dict(mine) for c, mine in choices.items()}
    for _ in range(changes):
        mine = result[rng.randrange(80)]
        example = rng.choice(EXAMPLES)
        if example in mine and rng.random() < 0.4:
            del mine[example]  # archived
        else:
            mine[example] = rng.choice(STATUSES)  # chosen, or its status moved
    return result


def _example_lines(example: str) -> tuple[Line, ...]:
    """As kpi_figures.example_lines, over the test's lines."""
    keys = {line.total for line in LINES} | {r for line in LINES for r in line.rows}
    result = []
    for key_of in (K.kpi_key, K.rest_key):
        for line in LINES:
            rows = tuple(key_of(example, r) for r in line.rows)
            result.append(Line(key_of(example, line.total), rows))
    result += [Line(k, (K.kpi_key(example, k), K.rest_key(example, k))) for k in sorted(keys)]
    return tuple(result)


def _history(rng, steps: int):
    companies = {c: (_random_place(rng), (c, 1)) for c in rng.sample(range(80), rng.randint(5, 70))}
    choices = _random_choices(rng)
    states = [(companies, choices)]
    for _ in range(steps):
        companies, choices = states[-1]
        states.append(
            (
                _evolve(rng, companies, rng.randint(0, 12)),
                _evolve_choices(rng, choices, rng.randint(0, 12)),
            )
        )
    return states


def test_sub_cells_are_the_plain_ones():
    rng = random.Random(3)
    for _ in range(200):
        ((companies, choices),) = _history(rng, 0)
        main = _release(companies)
        keys = frozenset(main)
        chosen = K.chosen_cells(_choosers(companies, choices), keys)
        for example in EXAMPLES:
            cells = K.sub_cells(example, tuple(main), main, chosen.get(example, {}))
            plain = _plain_sub_cells(main, choices, example)
            assert cells.keys() == plain.keys()
            for key, members in plain.items():
                cell = cells[key]
                assert dict(cell) == members and len(cell) == len(members)
                assert all(cell.get(c, "-") == members.get(c, "-") for c in range(80))
                assert all((c in cell) == (c in members) for c in range(80))
            assert all(isinstance(cells[K.rest_key(example, k)], K.Without) for k in main)


def test_an_earlier_release_told_by_its_changes_has_its_plain_sub_cells():
    rng = random.Random(5)
    differing = 0
    for _ in range(300):
        (then, then_choices), (now, now_choices) = _history(rng, 1)
        main_now, main_then = _release(now), _release(then)  # both read whole
        keys = frozenset(main_now)
        choosers_now, choosers_then = _choosers(now, now_choices), _choosers(then, then_choices)
        chosen = K.chosen_cells(choosers_now, keys)
        told_main = OverlaidCells(main_now, _changed(now, then))
        special = K.special_companies(choosers_now, choosers_then, told_main.changed)
        for example in EXAMPLES:
            members = dict(main_now) | K.sub_cells(
                example, tuple(main_now), main_now, chosen.get(example, {})
            )
            told = K.overlaid_sub_cells(
                members,
                example,
                keys,
                told_main,
                choosers_now,
                choosers_then,
                special.get(example, set()),
            )
            plain = dict(main_then) | _plain_sub_cells(main_then, then_choices, example)
            for key, cell_then in plain.items():
                cell = told[key]
                assert isinstance(cell, Overlay) and cell.base is members[key]
                assert dict(cell) == cell_then and len(cell) == len(cell_then)
                if key.startswith("kpi"):  # kpi: and kpinot: cells
                    differing += dict(members[key]) != cell_then
    assert differing > 500  # the sub-cells did change between the releases, often


def test_publishable_decides_the_same_with_told_sub_cells():
    rng = random.Random(11)
    differing = 0
    for _ in range(300):
        history = _history(rng, rng.randint(1, 3))
        now, now_choices = history[-1]
        main_now = _release(now)
        keys = frozenset(main_now)
        choosers_now = _choosers(now, now_choices)
        chosen = K.chosen_cells(choosers_now, keys)
        for example in EXAMPLES:
            lines = _example_lines(example)
            members = dict(main_now) | K.sub_cells(
                example, tuple(main_now), main_now, chosen.get(example, {})
            )
            plain_now = dict(main_now) | _plain_sub_cells(main_now, now_choices, example)
            whole, told = [], []
            for then, then_choices in history[:-1]:
                main_then = _release(then)
                choosers_then = _choosers(then, then_choices)
                published = frozenset(k for k in plain_now if rng.random() < 0.7)
                plain_then = dict(main_then) | _plain_sub_cells(main_then, then_choices, example)
                whole.append(Earlier(plain_then, published))
                told_main = OverlaidCells(main_now, _changed(now, then))
                # the special companies, or (in odd rounds) more than needed: every chooser
                if len(told) % 2:
                    special = set(choosers_now) | set(choosers_then)
                else:
                    special = K.special_companies(choosers_now, choosers_then, told_main.changed)
                    special = special.get(example, set())
                cells = K.overlaid_sub_cells(
                    members, example, keys, told_main, choosers_now, choosers_then, special
                )
                told.append(Earlier(cells, published))
            forced = {k for k in main_now if rng.random() < 0.2}
            for k in (2, 5):
                expected = publishable(plain_now, lines, whole, k, forced)
                assert publishable(members, lines, told, k, forced) == expected
                differing += expected != publishable(plain_now, lines, (), k, forced)
    assert differing > 50  # the earlier releases did change decisions, often
