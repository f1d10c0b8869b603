"""The release build's per-part sums (app/reports/part_sums.py): one row per submitted assessment
of the period and of the year before (the panel's previous-year side), with the sums and counts
the build's readers used to aggregate from the answers themselves (hand-computed here), and
nothing for drafts or other years. Both forms of the query are checked: the packed one (bit
fields per group of items, what the shipped index uses) and the weighted one (any index)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.reports import packing, part_sums
from app.reports.panel_figures import parts
from tests.integration.reports.conftest import INDEX, YEAR

TOKYO = "13"


def _current(item_id: str) -> int:
    return sum(map(ord, item_id)) % 6  # a different level per item, 0..5


def _target(item_id: str) -> int:
    return min(5, _current(item_id) + 1)


def _constant(level: int):
    return lambda _item: level


@pytest.fixture(params=["packed", "weighted"])
def form(request, monkeypatch):
    if request.param == "weighted":
        monkeypatch.setattr(packing.Packing, "of", classmethod(lambda cls, _parts: None))
    else:
        assert packing.Packing.of(parts(INDEX)) is not None  # the shipped index packs
    return request.param


def _assessment(company, year=YEAR) -> int:
    return next(a.id for a in company.assessments if a.fiscal_year == year)


def test_part_sums_are_the_hand_computed_sums_per_part(app, submitted, resubmit, form):
    first = submitted(TOKYO, _current, _target)
    second = submitted(TOKYO, 2, 4)
    highest = submitted(TOKYO, 5, 5)  # every field at its largest sum: nothing may carry over
    lowest = submitted(TOKYO, 0, 0)
    previous = submitted(TOKYO, 1, 3, year=YEAR - 1)  # the year before: the panel's side
    submitted(TOKYO, 1, 1, year=YEAR - 2)  # two years before: not in this build's table
    resubmit(submitted(TOKYO, 3, 3), 3, 3, submit=False)  # reopened, a draft: not counted
    sums = part_sums.fill(YEAR, INDEX.version_id, INDEX)
    try:
        rows = {
            row.assessment_id: row
            for row in db.session.execute(select(sums.table)).mappings().all()
        }
        wanted = {
            _assessment(first): (_current, _target),
            _assessment(second): (_constant(2), _constant(4)),
            _assessment(highest): (_constant(5), _constant(5)),
            _assessment(lowest): (_constant(0), _constant(0)),
            _assessment(previous, YEAR - 1): (_constant(1), _constant(3)),
        }
        assert set(rows) == set(wanted)
        every = {part_sums.ALL_ANSWERS: tuple(i.id for i in INDEX.items)} | parts(INDEX)
        for assessment_id, (current, target) in wanted.items():
            for part, items in every.items():
                expected = (
                    sum(current(i) for i in items),
                    len(items),
                    sum(target(i) for i in items),
                    len(items),
                )
                got = tuple(rows[assessment_id][c.name] for c in sums.columns(part))
                assert got == expected, (form, part)
    finally:
        sums.drop()


def test_packing_gives_every_group_a_field_of_its_own():
    """The shipped index: the groups partition the items, so they are the atoms; each part is
    the union of its groups'; the fields are wide enough for 5 x the group's items and do not
    overlap."""
    the_parts = parts(INDEX)
    fields = packing.Packing.of(the_parts)
    assert sorted(map(sorted, fields.atoms)) == sorted(sorted(g.item_ids) for g in INDEX.groups)
    for k, items in enumerate(the_parts.values()):
        assert sorted(i for a in fields.of_part[k] for i in fields.atoms[a]) == sorted(items)
    for shifts, width in (
        (fields.level_shifts, fields._level_width),
        (fields.count_shifts, fields._count_width),
    ):
        spans = sorted((shifts[a], shifts[a] + width(a)) for a in range(len(fields.atoms)))
        assert all(end <= start for (_s, end), (start, _e) in zip(spans, spans[1:], strict=False))
        assert spans[-1][1] <= 62
        for a, items in enumerate(fields.atoms):
            largest = (5 if shifts is fields.level_shifts else 1) * len(items)
            assert largest < 1 << width(a)


def test_an_index_too_wide_to_pack_uses_the_weighted_form():
    """21 parts of one item each: 21 fields of 3 bits (0..5) = 63 bits, one more than a field
    set may use; 20 fit."""
    assert packing.Packing.of({f"g:{n}": (f"i{n}",) for n in range(21)}) is None
    assert packing.Packing.of({f"g:{n}": (f"i{n}",) for n in range(20)}) is not None
