"""KPI value parsing, display and line-chart geometry (no database, no requests)."""

from decimal import Decimal

import pytest

from app.kpis.value_types import BadValue, display, input_text, parse_scale, parse_value
from app.web.form_fields import parse_decimal_text
from app.web.line_charts import LineData, line_chart, short_number

FRESHNESS = ["リアルタイム", "日次", "週次", "月次"]


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("123", Decimal(123)),
        ("１２３", Decimal(123)),
        ("１，２３４．５", Decimal("1234.5")),
        ("1,234", Decimal(1234)),
        ("－５", Decimal(-5)),
        (" 0.000001 ", Decimal("0.000001")),
        ("12.500000000", Decimal("12.5")),
        ("999999999999999", Decimal(999999999999999)),
        ("", None),
        (None, None),
    ],
)
def test_parse_decimal_text_accepts(typed, expected):
    assert parse_decimal_text(typed) == expected


@pytest.mark.parametrize(
    "typed",
    ["٣", "1e3", "1E3", "NaN", "nan", "Infinity", "inf", "+5", "1.", ".5", "0x10", "1 2",
     "1000000000000000", str(10**400), "0.0000001", "12円", "5%"],
)  # fmt: skip
def test_parse_decimal_text_refuses(typed):
    with pytest.raises(ValueError):
        parse_decimal_text(typed)


@pytest.mark.parametrize(
    "value_type, typed, message",
    [
        ("percent", "150", "100以下"),
        ("percent", "-1", "0以上"),
        ("ratio", "101", "100以下"),
        ("people", "-1", "0以上"),
        ("people", "2.5", "整数"),
        ("yen", "10.5", "整数"),
        ("days", "-3", "0以上"),
        ("number", "100000000000000", "大きすぎ"),
        ("number", "1e3", "半角の数値"),
    ],
)
def test_parse_value_enforces_the_value_type(value_type, typed, message):
    with pytest.raises(BadValue, match=message):
        parse_value(typed, value_type)


def test_number_may_be_negative_and_ordered_values_are_ranks():
    assert parse_value("-12.25", "number") == Decimal("-12.25")
    assert parse_value("日次", "ordered", FRESHNESS) == 2
    assert parse_value("リアルタイム", "ordered", FRESHNESS) == 3
    assert parse_value("", "ordered", FRESHNESS) is None
    with pytest.raises(BadValue):
        parse_value("毎時", "ordered", FRESHNESS)


def test_scale_needs_two_to_ten_unique_labels():
    assert parse_scale(" 日次 \n\n週次\n") == ["日次", "週次"]
    for bad in ("", "日次", "A\nA", "\n".join(str(n) for n in range(11)), "x" * 31 + "\ny"):
        with pytest.raises(BadValue):
            parse_scale(bad)


def test_display_and_input_text():
    assert display(Decimal("1234567.000000"), "yen", "円") == "1,234,567円"
    assert display(Decimal("12.500000"), "percent", "%") == "12.5%"
    assert display(Decimal("100.000000"), "number", None) == "100"
    assert display(Decimal("-0.5"), "number", "日") == "-0.5日"
    assert display(Decimal(30), "ratio", "%") == "70 : 30（バリュー・アップ 30%）"
    assert display(Decimal(2), "ordered", None, FRESHNESS) == "日次"
    assert display(None, "people", "人") == "—"
    assert input_text(Decimal("1234.500000"), "number") == "1234.5"
    assert input_text(Decimal(1), "ordered", FRESHNESS) == "週次"


def test_line_chart_breaks_lines_at_missing_years():
    chart = line_chart(
        [2022, 2023, 2024, 2025],
        [
            LineData("plan", "計画", {2022: 0.0, 2023: 1.0, 2024: 2.0, 2025: 3.0}),
            LineData("actual", "実績", {2022: 0.0, 2023: 1.5, 2025: 2.0}),
        ],
    )
    plan, actual = chart.lines
    assert len(plan.paths) == 1 and len(plan.paths[0].split()) == 4
    assert len(actual.paths) == 1 and len(actual.paths[0].split()) == 2  # 2024 missing
    assert [p.title for p in actual.points] == ["2022年度: 0", "2023年度: 1.5", "2025年度: 2"]
    ys = [p.y for p in actual.points]
    assert ys[0] > ys[1] > ys[2]  # higher values are drawn higher up (smaller SVG y)
    assert [t.label for t in chart.x_ticks] == ["2022", "2023", "2024", "2025"]


def test_line_chart_ticks_and_labels():
    chart = line_chart([2024, 2025], [LineData("a", "a", {2024: 12_000_000, 2025: 30_000_000})])
    labels = [t.label for t in chart.y_ticks]
    assert labels[0] == "0" and all("e+" not in label for label in labels)
    assert any(label.endswith("万") for label in labels)
    ranked = line_chart(
        [2024, 2025],
        [LineData("a", "a", {2024: 0, 2025: 2})],
        y_labels={0.0: "月次", 1.0: "週次", 2.0: "日次", 3.0: "リアルタイム"},
    )
    assert [t.label for t in ranked.y_ticks] == ["月次", "週次", "日次", "リアルタイム"]
    single = line_chart([2025], [LineData("a", "a", {2025: 5})])
    assert len(single.lines[0].points) == 1 and single.lines[0].paths == ()


def test_short_number():
    assert short_number(0.1 + 0.2) == "0.3"
    assert short_number(1_500_000) == "150万"
    assert short_number(250_000_000) == "2.5億"
    assert short_number(-0.0) == "0"
