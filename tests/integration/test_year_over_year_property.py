"""Property test (issue 10): whatever answers, submission orders and reopen/resubmit sequences
two or three years go through, every change the results pages, the dashboard and the progress
page display equals a recomputation from the stored cards as they are at the end."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.integration.kpi_helpers import this_fiscal_year
from tests.integration.test_year_over_year import assert_pages_match_the_stored_cards
from tests.integration.yoy_helpers import (
    ITEM_IDS,
    reopen_year,
    save_answers,
    start_year,
    submit_year,
)

levels = st.integers(min_value=0, max_value=5)
answers = st.lists(st.tuples(levels, levels), min_size=len(ITEM_IDS), max_size=len(ITEM_IDS)).map(
    lambda pairs: dict(zip(ITEM_IDS, pairs, strict=True))
)


@st.composite
def histories(draw):
    """(fiscal-year offsets, actions): offsets 0..3 years back, possibly with a gap."""
    offsets = sorted(
        draw(st.sets(st.integers(min_value=0, max_value=3), min_size=2, max_size=3)), reverse=True
    )
    year = st.integers(min_value=0, max_value=len(offsets) - 1)
    action = st.one_of(
        st.tuples(st.just("submit"), year, answers),  # (re)submit with these answers
        st.tuples(st.just("reopen"), year, st.none()),
        st.tuples(st.just("edit"), year, answers),  # change a draft without submitting
    )
    return offsets, draw(st.lists(action, min_size=2, max_size=7))


def test_every_displayed_change_matches_the_stored_cards(
    client, db, make_user, make_company, login
):
    owner = make_user(email="owner@example.jp")
    login(owner.email)
    fy = this_fiscal_year()
    runs = {"n": 0}

    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(histories())
    def check(history):
        offsets, actions = history
        runs["n"] += 1
        company = make_company(owner, name=f"性質テスト{runs['n']:03d}")
        years = [start_year(company, owner, fy - o) for o in offsets]
        submitted = [False] * len(years)
        for kind, index, levels in actions:
            a = years[index]
            if kind == "submit":
                if submitted[index]:
                    reopen_year(a, owner)
                save_answers(a, owner, levels)
                submit_year(a, owner)
                submitted[index] = True
            elif kind == "reopen" and submitted[index]:
                reopen_year(a, owner)
                submitted[index] = False
            elif kind == "edit" and not submitted[index]:
                save_answers(a, owner, levels)
        assert_pages_match_the_stored_cards(client, company, years)

    check()
    assert runs["n"] >= 10
