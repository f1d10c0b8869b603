"""disclosure.difference: the companies that joined, left, or contribute another submission
between two member maps (company -> submission), each counted once."""

from app.reports.disclosure import difference


def test_nothing_changed():
    same = {1: (10, 2), 2: (11, 2)}
    assert difference(same, dict(same)) == 0
    assert difference({}, {}) == 0


def test_joined_left_and_resubmitted_each_count_once():
    then = {1: (10, 2), 2: (11, 2), 3: (12, 2)}
    now = {1: (10, 2), 2: (11, 4), 4: (13, 2)}  # 2 resubmitted, 3 left, 4 joined
    assert difference(now, then) == 3
    assert difference(then, now) == 3


def test_panel_submissions_of_two_years():
    then = {1: ((10, 2), (5, 2)), 2: ((11, 2), (6, 2))}
    now = {1: ((10, 2), (5, 4)), 2: ((11, 2), (6, 2))}  # the previous year's side reopened
    assert difference(now, then) == 1
