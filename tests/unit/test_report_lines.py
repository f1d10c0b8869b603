"""Every line of the report cells is a total and rows that partition it: a company is in at
most one row of any line (disclosure._isolates_few adds the rows' sizes, Line's docstring)."""

import itertools

from app.reports import cells as C
from app.reports.panel import panel_lines
from questionnaires import reference


def _member_kinds():
    prefectures = list(reference.prefectures())
    industries = [*list(reference.jsic_divisions())[:4], "unknown"]
    sizes = [value for value, _label in C.SIZE_VALUES]
    cohorts = [value for value, _label in C.COHORT_VALUES]
    for prefecture in prefectures:
        bureau = reference.bureau_for_prefecture(prefecture).code
        for industry, size, cohort in itertools.product(industries, sizes, cohorts):
            yield (bureau, prefecture, industry, size, cohort)
    yield ("unknown", "99", "A", "small", "first")  # a prefecture no bureau has


def test_no_company_is_in_two_rows_of_a_line():
    lines = C.lines()
    checked = 0
    for facts in _member_kinds():
        cells = set(C.cells_for(*facts))
        for line in lines:
            assert len(cells & set(line.rows)) <= 1, (facts, line.total)
            checked += bool(cells & set(line.rows))
        # panel and rest lines: the same rows with one prefix, and each cell = panel + rest
        for prefix in ("panel|", "rest|"):
            mine = {prefix + key for key in cells}
            for line in panel_lines():
                assert len(mine & set(line.rows)) <= 1, (facts, line.total)
    assert checked > 10_000  # every member kind is in rows of many lines
