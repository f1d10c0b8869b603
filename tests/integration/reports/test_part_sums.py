"""The release build's per-part sums (app/reports/part_sums.py): one row per submitted assessment
of the period, with the sums and counts the build's readers used to aggregate from the answers
themselves (hand-computed here), and nothing for drafts or other years."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.reports import part_sums
from app.reports.panel_figures import parts
from tests.integration.reports.conftest import INDEX, YEAR

TOKYO = "13"


def _current(item_id: str) -> int:
    return sum(map(ord, item_id)) % 6  # a different level per item, 0..5


def _target(item_id: str) -> int:
    return min(5, _current(item_id) + 1)


def test_part_sums_are_the_hand_computed_sums_per_part(app, submitted, resubmit):
    first = submitted(TOKYO, _current, _target)
    second = submitted(TOKYO, 2, 4)
    submitted(TOKYO, 1, 1, year=YEAR - 1)  # another year: not in this period's table
    resubmit(submitted(TOKYO, 3, 3), 3, 3, submit=False)  # reopened, a draft: not counted
    sums = part_sums.fill(YEAR, INDEX.version_id, INDEX)
    try:
        rows = {
            row.assessment_id: row
            for row in db.session.execute(select(sums.table)).mappings().all()
        }
        wanted = {
            next(a.id for a in first.assessments if a.fiscal_year == YEAR): (_current, _target),
            next(a.id for a in second.assessments if a.fiscal_year == YEAR): (
                lambda _i: 2,
                lambda _i: 4,
            ),
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
                assert got == expected, part
    finally:
        sums.drop()
