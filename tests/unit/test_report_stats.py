"""The bureau reports' disclosure rules, summaries and spreadsheet cells, on plain values."""

import itertools

import pytest

from app.reports.disclosure import MIN_COMPANIES, Earlier, Line, difference, publishable
from app.reports.stats import Summary, share
from app.web.cell_safety import safe_cell
from app.web.downloads import content_disposition


def test_minimum_is_five_companies():
    assert MIN_COMPANIES == 5


def _cells(counts, start=0):
    """Cells r0, r1, ... of len counts[i] companies (ids unique across cells), and their total."""
    cells, company = {}, start
    for i, n in enumerate(counts):
        cells[f"r{i}"] = {company + j: 1 for j in range(n)}
        company += n
    cells["t"] = {c: s for m in cells.values() for c, s in m.items()}
    return cells


def _line(counts):
    return Line("t", tuple(f"r{i}" for i in range(len(counts))))


@pytest.mark.parametrize(
    ("counts", "hidden"),
    [
        ([5, 6, 7], set()),  # nothing small
        ([0, 0, 9], {"r0", "r1"}),  # empty rows are hidden but hold nobody
        ([4, 0, 1], {"r0", "r1", "r2"}),  # all small; the total of 5 is shown
        ([3, 0, 1], {"r0", "r1", "r2", "t"}),  # the total is small too
        ([4, 1, 9], {"r0", "r1"}),  # hidden rows hold 5 together: enough
        ([1, 5, 9], {"r0", "r1"}),  # the lone company would be total minus the rest
        ([2, 2, 8, 6], {"r0", "r1", "r3"}),  # 2 + 2 = 4 is still small
        ([3, 0, 0, 5], {"r0", "r1", "r2", "r3"}),  # the only other row goes as well
    ],
)
def test_primary_and_secondary_suppression(counts, hidden):
    cells = _cells(counts)
    assert set(cells) - publishable(cells, [_line(counts)]) == hidden


def test_hidden_rows_never_add_up_to_a_small_group_or_one_row():
    for counts in itertools.product(range(0, 8), repeat=3):
        cells = _cells(counts)
        shown = publishable(cells, [_line(counts)])
        hidden = [r for r in cells if r != "t" and r not in shown and cells[r]]
        assert all(len(cells[r]) >= MIN_COMPANIES for r in shown)
        if "t" in shown:
            assert hidden == [] or (
                len(hidden) >= 2 and sum(len(cells[r]) for r in hidden) >= MIN_COMPANIES
            )


def test_difference_counts_joined_left_and_resubmitted_companies():
    assert difference({1: "a", 2: "a"}, {1: "a", 2: "a"}) == 0
    assert difference({1: "a", 2: "a", 3: "a"}, {1: "a", 2: "a"}) == 1
    assert difference({1: "a", 2: "b"}, {1: "a", 2: "a"}) == 1  # resubmitted
    assert difference({1: "a"}, {2: "a"}) == 2


def test_a_cell_that_changed_by_fewer_than_five_is_not_published_again():
    before = {"t": {i: 1 for i in range(6)}}
    earlier = [Earlier(before, frozenset({"t"}))]
    for added, published in ((1, False), (4, False), (5, True)):
        now = {"t": {i: 1 for i in range(6 + added)}}
        assert ("t" in publishable(now, [], earlier)) is published
    resubmitted = {"t": {**before["t"], 0: 2}}
    assert "t" not in publishable(resubmitted, [], earlier)
    assert "t" in publishable(dict(before), [], earlier)  # unchanged: same figures again


def test_every_earlier_publication_counts_not_only_the_last():
    first = {"t": {i: 1 for i in range(6)}}
    second = {"t": {i: 1 for i in range(6, 11)}}  # five others: publishable
    third = {"t": {**first["t"], 99: 1}}  # the first six plus one: vs the second, 12 differ
    earlier = [Earlier(first, frozenset({"t"})), Earlier(second, frozenset({"t"}))]
    assert "t" not in publishable(third, [], earlier)


def test_a_row_hidden_before_and_shown_now_must_not_reveal_its_change():
    # release 1: r0 has 3 companies (hidden, so r0 + r1 = t - r2 was derivable), r1 4
    old = _cells([3, 4, 9])
    line = _line([3, 4, 9])
    shown_then = publishable(old, [line])
    assert shown_then == {"t", "r2"}
    # release 2: two companies join r0 (now 5) and five join r2, so t and r2 changed by 7 and
    # 5 and may be published. But (t - r2) now versus (t - r2) then is r0 + r1, changed by the
    # two newcomers of r0: so r2 is not published either (the group's sum stays unknown).
    new = _cells([3, 4, 9])
    newcomers = {100: 1, 101: 1}
    others = {200 + i: 1 for i in range(5)}
    new["r0"].update(newcomers)
    new["r2"].update(others)
    new["t"].update({**newcomers, **others})
    shown_now = publishable(new, [line], [Earlier(old, shown_then)])
    assert shown_now == {"t"}


def test_a_hidden_total_is_not_the_sum_of_shown_rows():
    cells = _cells([6, 7])
    parent = Line("p", ("t", "u"))
    cells["u"] = {1000 + i: 1 for i in range(3)}  # small sibling: hides t in the parent line
    cells["p"] = {**cells["t"], **cells["u"]}
    shown = publishable(cells, [parent, _line([6, 7])])
    assert "t" not in shown
    assert not {"r0", "r1"} <= shown  # else t = r0 + r1


def test_summary_mean_and_median():
    s = Summary.of([1.0, 2.0, 3.0, 3.0, 4.0])
    assert (s.n, s.mean, s.median) == (5, 2.6, 3.0)
    assert Summary.of([1.0, 2.0]).median == 1.5
    assert Summary.of([]) == Summary(0, None, None)


def test_share():
    assert share(3, 5) == 0.6
    assert share(0, 0) is None


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+1+1", "'+1+1"),
        ("-1+1", "'-1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("東京都", "東京都"),
        ("—（非公表）", "—（非公表）"),
        (-1.25, -1.25),  # numbers stay numbers, negative ones included
        (3, 3),
        (None, ""),
    ],
)
def test_spreadsheet_cells_are_defused_against_formulas(value, written):
    assert safe_cell(value) == written


def test_content_disposition_has_ascii_fallback_and_utf8_name():
    header = content_disposition('a"b;c.csv', "DX推進指標_集計.csv")
    assert header.startswith('attachment; filename="a_b_c.csv"; ')
    assert (
        "filename*=UTF-8''DX%E6%8E%A8%E9%80%B2%E6%8C%87%E6%A8%99_%E9%9B%86%E8%A8%88.csv" in header
    )


def test_an_earlier_total_minus_a_row_shown_now_isolates_nobody():
    # release 1: 福岡 (r0) 10 companies, 鹿児島 (r1) the target alone: both rows hidden, the
    # total of 11 published. Release 2: the target resubmitted, so the total may not move.
    # 福岡 alone, unchanged, would be publishable, but total(1) - 福岡(2) = the target.
    old = _cells([10, 1])
    line = _line([10, 1])
    assert publishable(old, [line]) == {"t"}
    new = _cells([10, 1])
    new["r1"] = {10: 2}
    new["t"] = {**new["r0"], 10: 2}
    shown = publishable(new, [line], [Earlier(old, frozenset({"t"}))])
    assert "r0" not in shown and "t" not in shown


@pytest.mark.parametrize("seed", range(6))
def test_summary_of_counted_values_equals_the_summary_of_the_values(seed):
    """Summary.of_counted(counted(values)) == Summary.of(the values that are not None), bit for
    bit: means of levels (non-dyadic fractions like 73/35, many repeats) and arbitrary floats,
    odd and even counts, with Nones."""
    import random

    from app.reports.stats import counted

    rng = random.Random(seed)
    for size in (1, 2, 3, 10, 501, 2000):
        if seed % 2:
            values = [rng.random() * 5 for _ in range(size)]
        else:
            values = [rng.randint(0, 5 * n) / n for n in (rng.randint(1, 35) for _ in range(size))]
        values += [None] * rng.randint(0, 3)
        rng.shuffle(values)
        plain = Summary.of([v for v in values if v is not None])
        assert Summary.of_counted(counted(values)) == plain
    assert Summary.of_counted(counted([None, None])) == Summary.of([])
