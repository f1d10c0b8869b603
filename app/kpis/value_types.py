"""What each KPI value type accepts, and how its stored numbers are shown.

Every value is stored as one exact decimal. A ratio (ラン・ザ・ビジネス : バリュー・アップ) is
stored as the value-up share in percent; an ordered scale (e.g. データ鮮度) as the rank of
the label, best highest (scoring rule P8).
"""

import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext

import questionnaires
from app.web.form_fields import parse_decimal_text
from scoring.progress import ordered_rank

SCALE_MIN, SCALE_MAX, SCALE_LABEL_MAX = 2, 10, 30
# Numeric(20, 6) keeps 14 integer digits.
ABSOLUTE_MAX = Decimal(10) ** 14


@dataclass(frozen=True)
class ValueType:
    id: str
    label: str
    unit: str | None  # fixed unit; None: the company names it (number) or there is none
    integer: bool = False
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    hint: str = ""


VALUE_TYPES: dict[str, ValueType] = {
    t.id: t
    for t in (
        ValueType("number", lazy_gettext("数値（単位を自由に指定）"), None,
                  hint=lazy_gettext("例: 12.5（負の値も入力できます）")),
        ValueType("percent", lazy_gettext("割合（%）"), "%",
                  minimum=Decimal(0), maximum=Decimal(100),
                  hint=lazy_gettext("0〜100の数値（例: 35.5）")),
        ValueType("yen", lazy_gettext("金額（円）"), "円", integer=True, minimum=Decimal(0),
                  hint=lazy_gettext("円単位の整数（例: 12,000,000）")),
        ValueType("people", lazy_gettext("人数（人）"), "人", integer=True, minimum=Decimal(0),
                  hint=lazy_gettext("0以上の整数")),
        ValueType("count", lazy_gettext("件数（件）"), "件", integer=True, minimum=Decimal(0),
                  hint=lazy_gettext("0以上の整数")),
        ValueType("days", lazy_gettext("日数（日）"), "日", integer=True, minimum=Decimal(0),
                  hint=lazy_gettext("0以上の整数")),
        ValueType("times", lazy_gettext("回数（回）"), "回", integer=True, minimum=Decimal(0),
                  hint=lazy_gettext("0以上の整数")),
        ValueType("ratio", lazy_gettext("比率（ラン・ザ・ビジネス : バリュー・アップ）"), "%",
                  minimum=Decimal(0), maximum=Decimal(100),
                  hint=lazy_gettext(
                      "バリュー・アップ予算の割合(%)を入力します（例: 7 : 3 なら 30）")),
        ValueType("ordered", lazy_gettext("段階（順序のある選択肢）"), None,
                  hint=lazy_gettext("選択肢から選びます（例: リアルタイム / 日次 / 週次 / 月次）")),
    )
}  # fmt: skip

# Labels and rules for exactly the value types the index data and the database know.
if tuple(VALUE_TYPES) != questionnaires.VALUE_TYPES:
    raise RuntimeError("app/kpis/value_types.py does not match questionnaires.VALUE_TYPES")

RATIO_VALUE_LABEL = lazy_gettext("バリュー・アップ予算の割合(%)")


class BadValue(ValueError):
    """A value that does not fit the indicator; the message is shown to the user."""


def unit_for(value_type: str, custom_unit: str | None) -> str | None:
    fixed = VALUE_TYPES[value_type].unit
    if value_type == "number":
        return (custom_unit or "").strip() or None
    return fixed


def parse_scale(text: str | None) -> list[str]:
    """One label per line, best first. Raises BadValue with a message for the user."""
    labels = [unicodedata.normalize("NFKC", line).strip() for line in (text or "").splitlines()]
    labels = [label for label in labels if label]
    if not SCALE_MIN <= len(labels) <= SCALE_MAX:
        raise BadValue(
            _(
                "選択肢を%(min)d〜%(max)d個、1行に1つずつ入力してください。",
                min=SCALE_MIN,
                max=SCALE_MAX,
            )
        )
    if any(len(label) > SCALE_LABEL_MAX for label in labels):
        raise BadValue(
            _("選択肢はそれぞれ%(max)d文字以内で入力してください。", max=SCALE_LABEL_MAX)
        )
    if len(set(labels)) != len(labels):
        raise BadValue(_("同じ選択肢が重複しています。"))
    return labels


def parse_value(raw, value_type: str, scale: list[str] | None = None) -> Decimal | None:
    """The stored decimal for what a user typed (or chose); None for an empty input."""
    if value_type == "ordered":
        label = unicodedata.normalize("NFKC", raw or "").strip()
        if not label:
            return None
        try:
            return Decimal(ordered_rank(scale or [], label))
        except ValueError:
            raise BadValue(_("選択肢から選んでください。")) from None
    kind = VALUE_TYPES[value_type]
    try:
        number = parse_decimal_text(raw)
    except ValueError:
        raise BadValue(
            _(
                "半角の数値で入力してください（15桁以内、小数点以下6桁まで。"
                "「1e3」や「NaN」などの表記は使えません）。"
            )
        ) from None
    if number is None:
        return None
    if abs(number) >= ABSOLUTE_MAX:
        raise BadValue(_("値が大きすぎます。"))
    if kind.integer and number != number.to_integral_value():
        raise BadValue(_("整数で入力してください。"))
    if kind.minimum is not None and number < kind.minimum:
        raise BadValue(_("%(minimum)s以上の値を入力してください。", minimum=kind.minimum))
    if kind.maximum is not None and number > kind.maximum:
        raise BadValue(_("%(maximum)s以下の値を入力してください。", maximum=kind.maximum))
    return number


def plain_decimal(value: Decimal) -> str:
    """'1234.500000' -> '1,234.5'; never scientific notation."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    sign = "-" if text.startswith("-") else ""
    whole, _point, frac = text.lstrip("-").partition(".")
    whole = f"{int(whole):,}"
    if sign and whole == "0" and not frac:
        sign = ""
    return sign + whole + ("." + frac if frac else "")


def label_for_rank(rank, scale: list[str]) -> str:
    index = len(scale) - 1 - int(rank)
    return scale[index] if 0 <= index < len(scale) else "—"


def input_text(value: Decimal | None, value_type: str, scale: list[str] | None = None) -> str:
    """The text an input shows for a stored value (what the user would type)."""
    if value is None:
        return ""
    if value_type == "ordered":
        return label_for_rank(value, scale or [])
    return plain_decimal(value).replace(",", "")


def display(value: Decimal | None, value_type: str, unit: str | None, scale=None) -> str:
    """A stored value as shown in tables: with its unit, or the scale's label."""
    if value is None:
        return "—"
    if value_type == "ordered":
        return label_for_rank(value, scale or [])
    text = plain_decimal(Decimal(value))
    if value_type == "ratio":
        share = Decimal(value)
        return _(
            "%(run)s : %(up)s（バリュー・アップ %(up)s%%）",
            run=plain_decimal(100 - share),
            up=text,
        )
    return text + (unit or "")
