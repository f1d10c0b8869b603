"""Unit tests for scoring.maturity (table-driven and hypothesis property tests)."""

from __future__ import annotations

import json
from fractions import Fraction
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring import (
    SCORING_VERSION,
    Change,
    ItemScore,
    ScoreCard,
    Stat,
    Structure,
    round2,
    score_assessment,
    structure_from_index,
    validate_level,
)

# --------------------------------------------------------------------------
# The real DX推進指標 shape, written out by hand (35 items, 9 key questions).
# --------------------------------------------------------------------------

MGMT_IDS = (
    "1", "2", "3",
    "4", "4-1", "4-2", "4-3", "4-4",
    "5", "5-1", "5-2",
    "6", "6-1", "6-2", "6-3",
    "7", "7-1", "7-2", "7-3",
)  # fmt: skip
IT_IDS = (
    "8", "8-1", "8-2", "8-3", "8-4", "8-5", "8-6", "8-7", "8-8",
    "9", "9-1", "9-2", "9-3", "9-4", "9-5", "9-6",
)  # fmt: skip
ALL_IDS = MGMT_IDS + IT_IDS


def make_structure(item_ids: tuple[str, ...] = ALL_IDS) -> Structure:
    return Structure(
        item_ids=item_ids,
        framework_of={i: ("mgmt" if i in MGMT_IDS else "it") for i in item_ids},
        group_of={i: i.split("-")[0] for i in item_ids},
        framework_ids=("mgmt", "it"),
        group_ids=tuple(dict.fromkeys(i.split("-")[0] for i in item_ids)),
    )


S = make_structure()


def uniform(current: int | None, target: int | None) -> dict[str, tuple[int | None, int | None]]:
    return {i: (current, target) for i in ALL_IDS}


def json_round_trip(card: ScoreCard) -> ScoreCard:
    return ScoreCard.from_dict(json.loads(json.dumps(card.to_dict(), allow_nan=False)))


# --------------------------------------------------------------------------
# Structure
# --------------------------------------------------------------------------


def test_structure_shape() -> None:
    assert len(ALL_IDS) == 35
    assert len(MGMT_IDS) == 19
    assert len(IT_IDS) == 16
    assert S.group_ids == tuple(str(n) for n in range(1, 10))
    assert S.items_of_group("4") == ("4", "4-1", "4-2", "4-3", "4-4")
    assert S.items_of_framework("it") == IT_IDS


def test_structure_from_index_duck_typed() -> None:
    items = [
        SimpleNamespace(id=i, framework_id=S.framework_of[i], group_id=S.group_of[i])
        for i in ALL_IDS
    ]
    index = SimpleNamespace(
        items=items, frameworks=[SimpleNamespace(id="mgmt"), SimpleNamespace(id="it")]
    )
    assert structure_from_index(index) == S


def test_structure_is_read_only() -> None:
    with pytest.raises(TypeError):
        S.framework_of["1"] = "it"  # type: ignore[index]


@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param({"item_ids": ("1", "1")}, id="duplicate-item"),
        pytest.param({"framework_of": {"1": "mgmt"}}, id="framework-map-incomplete"),
        pytest.param({"group_of": {"1": "1", "2": "2", "x": "1"}}, id="group-map-wrong-keys"),
        pytest.param({"framework_ids": ("mgmt",)}, id="unknown-framework"),
        pytest.param({"group_ids": ("1",)}, id="unknown-group"),
    ],
)
def test_structure_rejects_inconsistent_input(kwargs: dict) -> None:
    base = {
        "item_ids": ("1", "2"),
        "framework_of": {"1": "mgmt", "2": "it"},
        "group_of": {"1": "1", "2": "2"},
        "framework_ids": ("mgmt", "it"),
        "group_ids": ("1", "2"),
    }
    base.update(kwargs)
    with pytest.raises(ValueError):
        Structure(**base)


# --------------------------------------------------------------------------
# Table-driven scoring cases
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "leading"),
    [(0, False), (1, False), (2, False), (3, True), (4, True), (5, True)],
)
def test_uniform_levels(level: int, leading: bool) -> None:
    card = score_assessment(S, uniform(level, level))
    expected = Stat(35, 35, float(level), float(level), float(level), float(level), 0.0)
    assert card.overall == expected
    assert card.frameworks["mgmt"] == Stat(19, 19, *[float(level)] * 4, 0.0)
    assert card.frameworks["it"] == Stat(16, 16, *[float(level)] * 4, 0.0)
    assert all(g.current_mean == level for g in card.groups.values())
    assert card.leading is leading
    assert card.complete is True
    assert card.delta is None
    assert card.scoring_version == SCORING_VERSION
    assert all(i.gap == 0 for i in card.items.values())


def test_all_zero_current_all_five_target() -> None:
    card = score_assessment(S, uniform(0, 5))
    assert card.overall.current_mean == 0.0
    assert card.overall.target_mean == 5.0
    assert card.overall.gap == 5.0
    assert card.leading is False
    assert all(i.gap == 5 for i in card.items.values())


def mixed_answers() -> dict[str, tuple[int, int]]:
    answers: dict[str, tuple[int, int]] = {}
    for i in ("1", "2", "3"):
        answers[i] = (2, 4)
    for i, pair in zip(
        ("4", "4-1", "4-2", "4-3", "4-4"),
        ((1, 3), (2, 3), (3, 4), (4, 5), (5, 5)),
        strict=True,
    ):
        answers[i] = pair
    for i in ("5", "5-1", "5-2"):
        answers[i] = (0, 2)
    for i in ("6", "6-1", "6-2", "6-3"):
        answers[i] = (3, 3)
    for i in ("7", "7-1", "7-2", "7-3"):
        answers[i] = (1, 3)
    for i in IT_IDS:
        answers[i] = (4, 5) if i.startswith("8") else (2, 3)
    return answers


def test_mixed_case_hand_computed() -> None:
    # Current levels
    #   KQ1-3 (3 items)  2 each         -> sum  6
    #   KQ4   (5 items)  1,2,3,4,5      -> sum 15, mean 3, median 3
    #   KQ5   (3 items)  0 each         -> sum  0
    #   KQ6   (4 items)  3 each         -> sum 12
    #   KQ7   (4 items)  1 each         -> sum  4
    #   mgmt (19 items): 6+15+0+12+4 = 37 -> mean 37/19
    #     sorted: 0,0,0,1,1,1,1,1,2,[2],2,2,3,3,3,3,3,4,5 -> median (10th) 2
    #   KQ8   (9 items)  4 each         -> sum 36
    #   KQ9   (7 items)  2 each         -> sum 14
    #   it   (16 items): 36+14 = 50 -> mean 50/16 = 3.125
    #     sorted: 2 x7, 4 x9 -> median (8th+9th)/2 = (4+4)/2 = 4
    #   overall (35): 37+50 = 87 -> mean 87/35 = 2.4857..., 87 < 3*35 = 105 -> not leading
    #     sorted: 0 x3, 1 x5, 2 x11, 3 x5, 4 x10, 5 x1 (35 values) -> 18th value is 2
    # Target levels
    #   KQ1-3 4 each -> 12; KQ4 3,3,4,5,5 -> 20 (mean 4, median 4); KQ5 2 each -> 6;
    #   KQ6 3 each -> 12; KQ7 3 each -> 12; mgmt = 62 -> mean 62/19
    #   KQ8 5 each -> 45; KQ9 3 each -> 21; it = 66 -> mean 66/16 = 4.125
    #   overall = 128 -> mean 128/35
    card = score_assessment(S, mixed_answers())
    assert card.frameworks["mgmt"].current_mean == pytest.approx(37 / 19)
    assert card.frameworks["mgmt"].target_mean == pytest.approx(62 / 19)
    assert card.frameworks["mgmt"].current_median == 2.0
    assert card.frameworks["it"].current_mean == 3.125
    assert card.frameworks["it"].target_mean == 4.125
    assert card.frameworks["it"].current_median == 4.0
    assert card.frameworks["it"].gap == 1.0
    assert card.overall.current_mean == pytest.approx(87 / 35)
    assert card.overall.target_mean == pytest.approx(128 / 35)
    assert card.overall.gap == pytest.approx(41 / 35)
    assert card.overall.current_median == 2.0
    assert card.groups["4"] == Stat(5, 5, 3.0, 4.0, 3.0, 4.0, 1.0)
    assert card.groups["5"].current_mean == 0.0
    assert card.groups["9"].target_mean == 3.0
    assert card.items["4-2"].gap == 1
    assert card.leading is False
    assert card.complete is True


@pytest.mark.parametrize(
    ("currents", "leading"),
    [
        pytest.param([3] * 35, True, id="all-3-mean-3.0"),
        pytest.param([5] * 10 + [1] * 10 + [3] * 15, True, id="mixed-mean-exactly-3.0"),
        pytest.param([3] * 34 + [2], False, id="mean-104/35=2.97"),
        pytest.param([3] * 34 + [4], True, id="mean-106/35=3.03"),
        pytest.param([5] * 7 + [2] * 28, False, id="mean-91/35=2.6"),
    ],
)
def test_leading_threshold(currents: list[int], leading: bool) -> None:
    answers = {i: (c, 5) for i, c in zip(ALL_IDS, currents, strict=True)}
    card = score_assessment(S, answers)
    assert card.leading is leading


def test_leading_shown_mean_for_2_97_case() -> None:
    card = score_assessment(S, {i: (3 if i != "9-6" else 2, 3) for i in ALL_IDS})
    assert round2(card.overall.current_mean) == 2.97
    assert card.leading is False


def test_leading_uses_answered_items_only() -> None:
    card = score_assessment(S, {"1": (3, None), "2": (4, None), "8": (2, 3)})
    assert card.overall.n_current == 3
    assert card.leading is True  # (3+4+2)/3 = 3
    assert card.complete is False


@pytest.mark.parametrize(
    ("group", "currents", "median", "mean"),
    [
        pytest.param("6", [0, 1, 2, 5], 1.5, 2.0, id="even-count"),
        pytest.param("4", [5, 1, 4, 2, 3], 3.0, 3.0, id="odd-count"),
        pytest.param("6", [0, 1, 2, None], 1.0, 1.0, id="odd-after-unanswered"),
        pytest.param("7", [4, None, None, 1], 2.5, 2.5, id="even-after-unanswered"),
        pytest.param("5", [4, None, None], 4.0, 4.0, id="single-value"),
        pytest.param("5", [None, None, None], None, None, id="no-value"),
    ],
)
def test_group_median_and_mean(
    group: str, currents: list[int | None], median: float | None, mean: float | None
) -> None:
    ids = S.items_of_group(group)
    card = score_assessment(S, {i: (c, None) for i, c in zip(ids, currents, strict=True)})
    stat = card.groups[group]
    assert stat.current_median == median
    assert stat.current_mean == mean
    assert stat.n_current == sum(c is not None for c in currents)
    assert stat.n_target == 0
    assert stat.target_mean is None
    assert stat.target_median is None
    assert stat.gap is None


def test_incomplete_answers() -> None:
    answers = uniform(2, 4)
    del answers["9-6"]
    answers["1"] = (None, 3)
    answers["2"] = (3, None)
    answers["3"] = None  # type: ignore[assignment]
    card = score_assessment(S, answers)
    assert card.complete is False
    assert card.overall.n_current == 32
    assert card.overall.n_target == 32
    assert card.items["9-6"] == ItemScore("9-6", None, None, None)
    assert card.items["1"].gap is None
    assert card.items["2"].gap is None
    assert card.groups["1"] == Stat(0, 1, None, 3.0, None, 3.0, None)
    assert card.overall.current_mean == (2 * 31 + 3) / 32
    assert card.leading is False


def test_no_answers_at_all() -> None:
    card = score_assessment(S, {})
    assert card.overall == Stat(0, 0, None, None, None, None, None)
    assert card.leading is None
    assert card.complete is False
    assert list(card.items) == list(ALL_IDS)
    assert json_round_trip(card) == card


def test_target_below_current_gives_negative_gap() -> None:
    card = score_assessment(S, {"1": (4, 2)})
    assert card.items["1"].gap == -2
    assert card.overall.gap == -2.0


@pytest.mark.parametrize(
    "bad",
    [6, -1, "3", True, False, 3.5, 3.0, [3]],
    ids=["6", "-1", "str-3", "True", "False", "3.5", "3.0", "list"],
)
@pytest.mark.parametrize("side", ["current", "target"])
def test_invalid_level_raises(bad: object, side: str) -> None:
    pair = (bad, 3) if side == "current" else (3, bad)
    with pytest.raises(ValueError):
        score_assessment(S, {"4-3": pair})  # type: ignore[dict-item]


@pytest.mark.parametrize(
    "answers",
    [
        pytest.param({"10": (1, 2)}, id="unknown-id"),
        pytest.param({"4-5": (1, 2)}, id="unknown-sub-question"),
        pytest.param({1: (1, 2)}, id="int-key"),
        pytest.param({"1": (1, 2, 3)}, id="triple"),
        pytest.param({"1": 3}, id="not-a-pair"),
        pytest.param({"1": "34"}, id="string-pair"),
    ],
)
def test_bad_answers_raise(answers: dict) -> None:
    with pytest.raises(ValueError):
        score_assessment(S, answers)


@pytest.mark.parametrize(("value", "expected"), [(0, 0), (5, 5), (None, None)])
def test_validate_level_accepts(value: int | None, expected: int | None) -> None:
    assert validate_level(value) == expected


# --------------------------------------------------------------------------
# Delta
# --------------------------------------------------------------------------


def test_delta_year_over_year() -> None:
    last_year = uniform(2, 4)
    del last_year["9-6"]  # not answered last year
    last_year["1"] = (1, None)  # target missing last year
    prev = score_assessment(S, last_year)
    now = score_assessment(S, uniform(3, 4), previous=prev)
    d = now.delta
    assert d is not None
    assert d.previous_version == SCORING_VERSION
    assert d.items["2"] == Change(1, 0)
    assert d.items["1"] == Change(2, None)
    assert d.items["9-6"] == Change(None, None)
    assert d.overall.current == pytest.approx(3 - (1 + 2 * 33) / 34)
    assert d.overall.target == pytest.approx(0.0)
    assert d.frameworks["mgmt"].current == pytest.approx(3 - (1 + 2 * 18) / 19)
    assert d.groups["9"] == Change(1.0, 0.0)
    # KQ1 has no sub-questions: its only item lacked a target last year.
    assert d.groups["1"] == Change(2.0, None)
    assert d.groups["4"] == Change(1.0, 0.0)


def test_delta_against_smaller_previous_structure() -> None:
    # A previous card made from a structure without KQ9 and item 8-8.
    old_ids = tuple(i for i in ALL_IDS if not i.startswith("9") and i != "8-8")
    prev = score_assessment(make_structure(old_ids), {i: (1, 2) for i in old_ids})
    assert "9" not in prev.groups
    now = score_assessment(S, uniform(2, 3), previous=prev)
    assert now.delta is not None
    assert now.delta.groups["9"] == Change(None, None)
    assert now.delta.items["8-8"] == Change(None, None)
    assert now.delta.items["9-1"] == Change(None, None)
    assert now.delta.items["8-7"] == Change(1, 1)
    assert now.delta.groups["8"] == Change(1.0, 1.0)
    assert now.delta.overall == Change(1.0, 1.0)


def test_delta_when_previous_has_no_answers() -> None:
    prev = score_assessment(S, {})
    now = score_assessment(S, uniform(1, 1), previous=prev)
    assert now.delta is not None
    assert now.delta.overall == Change(None, None)
    assert all(c == Change(None, None) for c in now.delta.items.values())


def test_delta_ignores_previous_delta_and_round_trips() -> None:
    first = score_assessment(S, uniform(0, 2))
    second = score_assessment(S, uniform(1, 3), previous=first)
    third = score_assessment(S, uniform(3, 3), previous=json_round_trip(second))
    assert third.delta is not None
    assert third.delta.overall == Change(2.0, 0.0)
    assert json_round_trip(third) == third


# --------------------------------------------------------------------------
# Serialisation and display helpers
# --------------------------------------------------------------------------


def test_to_dict_round_trip_mixed() -> None:
    prev = score_assessment(S, uniform(1, 2))
    card = score_assessment(S, mixed_answers(), previous=prev)
    d = card.to_dict()
    text = json.dumps(d, allow_nan=False)
    back = ScoreCard.from_dict(json.loads(text))
    assert back == card
    assert back.to_dict() == d
    assert list(back.items) == list(ALL_IDS)
    assert list(back.groups) == list(S.group_ids)
    assert isinstance(back.items["1"].current, int)
    assert isinstance(back.delta.items["1"].current, int)  # type: ignore[union-attr]


def test_from_dict_keeps_old_version() -> None:
    d = score_assessment(S, uniform(1, 2)).to_dict()
    d["scoring_version"] = "0"
    assert ScoreCard.from_dict(d).scoring_version == "0"


@pytest.mark.parametrize(
    "mutate",
    [
        pytest.param(lambda d: d.pop("overall"), id="missing-overall"),
        pytest.param(lambda d: d.update(leading="yes"), id="leading-not-bool"),
        pytest.param(lambda d: d.update(complete=None), id="complete-not-bool"),
        pytest.param(lambda d: d.update(items=[]), id="items-not-dict"),
        pytest.param(lambda d: d["overall"].pop("gap"), id="stat-missing-field"),
    ],
)
def test_from_dict_rejects_malformed(mutate) -> None:
    d = score_assessment(S, uniform(1, 2)).to_dict()
    mutate(d)
    with pytest.raises(ValueError):
        ScoreCard.from_dict(d)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        (2.675, 2.68),  # round() would give 2.67
        (2.665, 2.67),
        (87 / 35, 2.49),
        (104 / 35, 2.97),
        (3.0, 3.0),
        (-0.125, -0.13),
        (-0.001, 0.0),
        (0.005, 0.01),
    ],
)
def test_round2(value: float | None, expected: float | None) -> None:
    result = round2(value)
    assert result == expected
    if expected == 0.0:
        assert str(result) == "0.0"  # never "-0.0"


# --------------------------------------------------------------------------
# Property tests
# --------------------------------------------------------------------------

level_or_none = st.one_of(st.none(), st.integers(min_value=0, max_value=5))
answers_strategy = st.dictionaries(
    keys=st.sampled_from(ALL_IDS),
    values=st.tuples(level_or_none, level_or_none),
)


def _all_stats(card: ScoreCard) -> list[Stat]:
    return [card.overall, *card.frameworks.values(), *card.groups.values()]


@given(answers_strategy)
def test_means_and_medians_lie_within_0_and_5(answers: dict) -> None:
    card = score_assessment(S, answers)
    for stat in _all_stats(card):
        for value in (
            stat.current_mean,
            stat.target_mean,
            stat.current_median,
            stat.target_median,
        ):
            assert value is None or 0.0 <= value <= 5.0
        assert stat.gap is None or -5.0 <= stat.gap <= 5.0


@given(answers_strategy)
def test_leading_flag_equals_mean_at_least_3(answers: dict) -> None:
    card = score_assessment(S, answers)
    currents = [c for c, _ in answers.values() if c is not None]
    if not currents:
        assert card.leading is None
        assert card.overall.current_mean is None
    else:
        exact_mean = Fraction(sum(currents), len(currents))
        assert card.leading is (exact_mean >= 3)
        assert card.overall.current_mean == float(exact_mean)
        assert card.leading is (card.overall.current_mean >= 3.0)


@given(answers_strategy)
def test_counts_and_completeness(answers: dict) -> None:
    card = score_assessment(S, answers)
    n_current = sum(c is not None for c, _ in answers.values())
    n_target = sum(t is not None for _, t in answers.values())
    assert card.overall.n_current == n_current
    assert card.overall.n_target == n_target
    assert sum(s.n_current for s in card.frameworks.values()) == n_current
    assert sum(s.n_current for s in card.groups.values()) == n_current
    assert card.complete is (n_current == 35 and n_target == 35)


@given(answers_strategy, answers_strategy)
def test_json_round_trip_property(previous: dict, answers: dict) -> None:
    card = score_assessment(S, answers, previous=score_assessment(S, previous))
    assert json_round_trip(card) == card


@given(answers_strategy)
def test_delta_against_itself_is_zero_where_comparable(answers: dict) -> None:
    card = score_assessment(S, answers)
    again = score_assessment(S, answers, previous=card)
    assert again.delta is not None
    for item_id, change in again.delta.items.items():
        item = card.items[item_id]
        assert change.current == (None if item.current is None else 0)
        assert change.target == (None if item.target is None else 0)
    assert again.delta.overall.current == (None if card.overall.current_mean is None else 0.0)
