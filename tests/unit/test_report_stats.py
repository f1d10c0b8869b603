"""The bureau reports' disclosure rule and summaries, on plain numbers."""

import pytest

from app.reports.stats import MIN_COMPANIES, Summary, share, suppressed_cells
from app.web.cell_safety import safe_cell
from app.web.downloads import content_disposition


def test_minimum_is_five_companies():
    assert MIN_COMPANIES == 5


@pytest.mark.parametrize(
    ("counts", "hidden"),
    [
        ([5, 6, 7], set()),  # nothing small
        ([0, 0, 9], {0, 1}),  # empty groups look small; subtracting reveals no company
        ([4, 0, 1], {0, 1, 2}),  # all small
        ([4, 1, 9], {0, 1}),  # hidden cells hold 5 together: enough
        ([1, 5, 9], {0, 1}),  # one company alone would be total minus the rest: hide the smallest
        ([2, 2, 8, 6], {0, 1, 3}),  # 2 + 2 = 4 is still small, so the next smallest goes too
        ([3, 0, 0, 5], {0, 1, 2, 3}),  # the only other row goes as well
        ([4], {0}),
        ([], set()),
    ],
)
def test_primary_and_secondary_suppression(counts, hidden):
    assert suppressed_cells(counts) == hidden


def test_hidden_cells_never_add_up_to_a_small_group():
    import itertools

    for counts in itertools.product(range(0, 8), repeat=3):
        hidden = suppressed_cells(list(counts))
        hidden_total = sum(counts[i] for i in hidden)
        assert hidden_total == 0 or hidden_total >= MIN_COMPANIES or len(hidden) == len(counts)
        assert all(counts[i] >= MIN_COMPANIES for i in range(len(counts)) if i not in hidden)


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
        ("—（5社未満のため非表示）", "—（5社未満のため非表示）"),
        (-1.25, -1.25),  # numbers stay numbers, negative ones included
        (3, 3),
        (None, ""),
    ],
)
def test_csv_cells_are_defused_against_formulas(value, written):
    assert safe_cell(value) == written


def test_content_disposition_has_ascii_fallback_and_utf8_name():
    header = content_disposition('a"b;c.csv', "DX推進指標_集計.csv")
    assert header.startswith('attachment; filename="a_b_c.csv"; ')
    assert (
        "filename*=UTF-8''DX%E6%8E%A8%E9%80%B2%E6%8C%87%E6%A8%99_%E9%9B%86%E8%A8%88.csv" in header
    )
