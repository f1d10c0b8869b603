"""disclosure.difference: the companies that joined, left, or contribute another submission
between two member maps (company -> submission), each counted once."""

import random

from app.reports.disclosure import changed_a_little, difference


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


def _by_pairs(a, b) -> int:
    """The definition: (company, submission) pairs in one map and not the other, per company."""
    return len({company for company, _submission in a.items() ^ b.items()})


def test_equal_to_the_definition_on_random_maps():
    rng = random.Random(13)
    for _ in range(3000):
        size = rng.choice([0, 1, 3, 8, 40])
        then = {c: (c, rng.randint(1, 3)) for c in rng.sample(range(60), size)}
        now = dict(then)
        for c in rng.sample(range(60), rng.randint(0, 12)):
            choice = rng.random()
            if choice < 0.3:
                now.pop(c, None)  # left
            elif choice < 0.6:
                now[c] = (c, rng.randint(1, 3))  # joined or resubmitted (maybe the same again)
            else:
                now[c] = ((c, 1), (c, rng.randint(1, 2)))  # a panel pair
        expected = _by_pairs(now, then)
        assert difference(now, then) == expected
        assert difference(then, now) == expected
        for k in (1, 2, 5):
            # with stop=k: exact below k, and at least k when it is at least k
            stopped = difference(now, then, stop=k)
            assert stopped == expected if expected < k else stopped >= k
            assert changed_a_little(now, then, k) == (0 < expected < k)
