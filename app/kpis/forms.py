"""KPI forms. WTForms checks CSRF and the single fields; the value checks depend on the value
type chosen in the same form (or stored on the indicator), so they run in ``validate``."""

import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from app.kpis.value_types import VALUE_TYPES, BadValue, parse_scale, parse_value, unit_for
from app.models.kpi import KPI_DEFINITION_MAX, KPI_NAME_MAX, KPI_UNIT_MAX
from app.web.form_fields import StrictIntegerField, no_control_chars, single_line

FIRST_YEAR = 2000
MAX_CYCLE_YEARS = 10  # a target further than ten years out is not a "three-year" target
REASON_MAX = 1000
MAX_ECHO = 100  # characters of a refused input shown back in the form
DIRECTION_CHOICES = [
    SelectChoice("higher", lazy_gettext("大きいほど良い")),
    SelectChoice("lower", lazy_gettext("小さいほど良い")),
]


def normalise_name(text: str | None) -> str:
    """The name as stored: NFC with single spaces (full-width brackets stay as typed)."""
    return " ".join(unicodedata.normalize("NFC", text or "").split())


def name_key(text: str | None) -> str:
    """The key for duplicate checks: 'ＤＸ人材' and 'DX人材', 'dx' and 'DX' are the same name."""
    return " ".join(unicodedata.normalize("NFKC", text or "").casefold().split())


def _nfc(text):
    return unicodedata.normalize("NFC", text) if text else text


@dataclass(frozen=True)
class IndicatorInput:
    name: str
    definition: str
    value_type: str
    unit: str | None
    scale: list[str] | None
    direction: str
    baseline_year: int
    baseline_value: Decimal
    target_year: int | None = None
    target_value: Decimal | None = None
    example_id: str | None = None
    example_version: str | None = None


class IndicatorEditForm(FlaskForm):
    """The indicator's definition; the target is changed only through a recorded revision."""

    example_id = HiddenField()
    name = StringField(
        lazy_gettext("指標名"),
        validators=[
            DataRequired(lazy_gettext("指標名を入力してください。")),
            Length(
                max=KPI_NAME_MAX,
                message=lazy_gettext(
                    "%(kpi_name_max)s文字以内で入力してください。", kpi_name_max=KPI_NAME_MAX
                ),
            ),
            single_line,
        ],
    )
    definition = TextAreaField(
        lazy_gettext("自社での定義（算出方法・対象範囲）"),
        validators=[
            DataRequired(
                lazy_gettext("自社での定義を入力してください（指標の定義は各社が定めます）。")
            ),
            Length(
                max=KPI_DEFINITION_MAX,
                message=lazy_gettext(
                    "%(kpi_definition_max)s文字以内で入力してください。",
                    kpi_definition_max=KPI_DEFINITION_MAX,
                ),
            ),
            no_control_chars,
        ],
        filters=[_nfc],
    )
    value_type = SelectField(
        lazy_gettext("値の種類"),
        choices=[SelectChoice(t.id, t.label) for t in VALUE_TYPES.values()],
        default="number",
    )
    unit = StringField(
        lazy_gettext("単位（「数値」のとき）"),
        validators=[
            Optional(),
            Length(
                max=KPI_UNIT_MAX,
                message=lazy_gettext(
                    "%(kpi_unit_max)s文字以内で入力してください。", kpi_unit_max=KPI_UNIT_MAX
                ),
            ),
            single_line,
        ],
    )
    scale = TextAreaField(
        lazy_gettext("選択肢（「段階」のとき。1行に1つ、良い順に）"),
        validators=[no_control_chars, Length(max=1000, message=lazy_gettext("長すぎます。"))],
        render_kw={"rows": 5},
    )
    direction = RadioField(
        lazy_gettext("望ましい方向"), choices=DIRECTION_CHOICES, default="higher"
    )
    baseline_year = StrictIntegerField(
        lazy_gettext("基準年度"),
        validators=[DataRequired(lazy_gettext("基準年度を入力してください。"))],
    )
    baseline_value = StringField(lazy_gettext("基準値（基準年度の実績）"))

    def __init__(self, *args, current_year: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.current_year = current_year
        self.result: IndicatorInput | None = None
        self.scale_labels: list[str] | None = None

    def _check_value(self, field, missing: str) -> Decimal | None:
        """Parse ``field`` with the value type and scale chosen in this form."""
        if self.value_type.data == "ordered" and self.scale_labels is None:
            return None  # the scale itself is wrong; its error is shown
        try:
            value = parse_value(field.data, self.value_type.data, self.scale_labels)
        except BadValue as exc:
            field.errors.append(str(exc))
            return None
        if value is None:
            field.errors.append(missing)
        return value

    def _common(self) -> dict | None:
        """The fields shared by create and edit, or None (with field errors) if any is wrong."""
        value_type = self.value_type.data
        self.scale_labels = None
        scale_ok = True
        if value_type == "ordered":
            try:
                self.scale_labels = parse_scale(self.scale.data)
            except BadValue as exc:
                self.scale.errors.append(str(exc))
                scale_ok = False
        year = self.baseline_year.number
        if year is not None and not FIRST_YEAR <= year <= self.current_year:
            self.baseline_year.errors.append(
                _(
                    "%(first_year)s年度から%(current_year)s年度までの年度を入力してください。",
                    first_year=FIRST_YEAR,
                    current_year=self.current_year,
                )
            )
            year = None
        baseline = self._check_value(self.baseline_value, _("基準値を入力してください。"))
        if not scale_ok or baseline is None or year is None:
            return None
        return {
            "name": normalise_name(self.name.data),
            "definition": self.definition.data.strip(),
            "value_type": value_type,
            "unit": unit_for(value_type, normalise_name(self.unit.data)),
            "scale": self.scale_labels,
            # An ordered scale is ranked best-highest (P8), so higher is always better.
            "direction": "higher" if value_type == "ordered" else self.direction.data,
            "baseline_year": year,
            "baseline_value": baseline,
            "example_id": self.example_id.data or None,
        }

    def validate(self, extra_validators=None):
        if not super().validate(extra_validators):
            return False
        common = self._common()
        if common is None:
            return False
        self.result = IndicatorInput(**common)
        return True


class IndicatorForm(IndicatorEditForm):
    target_year = StrictIntegerField(lazy_gettext("目標年度（空欄なら基準年度の3年後）"))
    target_value = StringField(lazy_gettext("目標値"))

    def validate(self, extra_validators=None):
        if not FlaskForm.validate(self, extra_validators):
            return False
        common = self._common()
        target_year = check_target_year(self.target_year, self.baseline_year.number)
        target = self._check_value(self.target_value, _("目標値を入力してください。"))
        if common is None or target is None or target_year is None:
            return False
        self.result = IndicatorInput(**common, target_year=target_year, target_value=target)
        return True


def check_target_year(field, baseline_year: int | None) -> int | None:
    """Default baseline + 3; must be after the baseline year and at most ten years on."""
    if baseline_year is None:
        return None
    year = field.number if field.number is not None else baseline_year + 3
    if year <= baseline_year:
        field.errors.append(
            _(
                "目標年度は基準年度（%(baseline_year)s年度）より後の年度にしてください。",
                baseline_year=baseline_year,
            )
        )
        return None
    if year > baseline_year + MAX_CYCLE_YEARS:
        field.errors.append(
            _(
                "目標年度は基準年度から%(max_cycle_years)s年以内にしてください。",
                max_cycle_years=MAX_CYCLE_YEARS,
            )
        )
        return None
    return year


def parse_target(field, indicator, missing_message: str):
    """The field's value in the indicator's value type, or None with an error on the field."""
    try:
        target = parse_value(field.data, indicator.value_type, indicator.scale)
    except BadValue as exc:
        field.errors.append(str(exc))
        return None
    if target is None:
        field.errors.append(missing_message)
    return target


class ReviseTargetForm(FlaskForm):
    target_value = StringField(lazy_gettext("新しい目標値"))
    target_year = StrictIntegerField(lazy_gettext("新しい目標年度"))
    reason = TextAreaField(
        lazy_gettext("見直しの理由"),
        validators=[
            Optional(),
            Length(
                max=REASON_MAX,
                message=lazy_gettext(
                    "%(reason_max)s文字以内で入力してください。", reason_max=REASON_MAX
                ),
            ),
            no_control_chars,
        ],
        filters=[_nfc],
    )

    def validate_for(self, indicator) -> bool:
        """Validate against the indicator's value type and baseline year."""
        if not self.validate():
            return False
        year_field_empty = self.target_year.number is None
        if year_field_empty:
            self.target_year.number = indicator.target_year
        year = check_target_year(self.target_year, indicator.baseline_year)
        target = parse_target(self.target_value, indicator, _("新しい目標値を入力してください。"))
        self.new_target, self.new_year = target, year
        return target is not None and year is not None


class NewCycleForm(FlaskForm):
    target_value = StringField(lazy_gettext("新しいサイクルの目標値"))
    target_year = StrictIntegerField(lazy_gettext("目標年度（空欄なら新しい基準年度の3年後）"))

    def validate_for(self, indicator, baseline_year: int) -> bool:
        if not self.validate():
            return False
        year = check_target_year(self.target_year, baseline_year)
        target = parse_target(
            self.target_value, indicator, _("新しいサイクルの目標値を入力してください。")
        )
        self.new_target, self.new_year = target, year
        return target is not None and year is not None


def parse_value_inputs(formdata, prefix: str, allowed: dict[str, object], value_type_of) -> tuple:
    """Parse one input per allowed field name (all starting with ``prefix``).

    Returns (problems, values, errors, typed): ``problems`` are tampering (unknown or repeated
    fields) and refuse the whole POST; ``values`` maps key -> Decimal | None for every posted
    allowed field; ``errors`` key -> message; ``typed`` key -> what was typed (to show back).
    """
    problems, values, errors, typed = [], {}, {}, {}
    for name in formdata:
        if name.startswith(prefix) and name not in allowed:
            problems.append(_("この画面にない入力欄が送信されました: %(name)s", name=name[:40]))
        elif name in allowed and len(formdata.getlist(name)) > 1:
            problems.append(_("同じ入力欄に複数の値が送信されました: %(name)s", name=name[:40]))
    for name, key in allowed.items():
        if name not in formdata:
            continue  # a field that was not sent leaves its stored value alone
        raw = formdata.get(name, "")
        typed[key] = raw[:MAX_ECHO]
        value_type, scale = value_type_of(key)
        try:
            values[key] = parse_value(raw, value_type, scale)
        except BadValue as exc:
            errors[key] = str(exc)
    return problems, values, errors, typed
