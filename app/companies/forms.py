from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError

from app.companies import corporate_number
from app.web.form_fields import StrictIntegerField, ascii_int, checkbox_value, single_line
from questionnaires import reference


class CompanyForm(FlaskForm):
    name = StringField(
        lazy_gettext("会社名（屋号）"), validators=[DataRequired(), Length(max=200), single_line]
    )
    is_sole_proprietor = BooleanField(
        lazy_gettext("個人事業主です（法人番号なし）"), validators=[checkbox_value]
    )
    corporate_number = StringField(lazy_gettext("法人番号（13桁）"), validators=[Length(max=20)])
    prefecture_code = SelectField(
        lazy_gettext("本社所在地（都道府県）"), validators=[DataRequired()]
    )
    jsic_division = SelectField(
        lazy_gettext("業種（日本標準産業分類 大分類）"), validators=[DataRequired()]
    )
    sme_sector = SelectField(
        lazy_gettext("中小企業基本法上の業種区分"), validators=[DataRequired()]
    )
    employees = StrictIntegerField(
        lazy_gettext("常時使用する従業員数（人）"), minimum=0, maximum=10_000_000
    )
    capital_yen = StrictIntegerField(lazy_gettext("資本金（円）"), minimum=0, maximum=10**15 - 1)
    fiscal_year_start_month = SelectField(
        lazy_gettext("事業年度の開始月"),
        coerce=ascii_int,
        choices=[SelectChoice(m, lazy_gettext("%(month)d月", month=m)) for m in range(1, 13)],
        default=4,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        blank = SelectChoice("", _("選択してください"))
        self.prefecture_code.choices = [blank] + [
            SelectChoice(code, name) for code, name in reference.prefectures().items()
        ]
        self.jsic_division.choices = [blank] + [
            SelectChoice(code, f"{code} {name}")
            for code, name in reference.jsic_divisions().items()
        ]
        self.sme_sector.choices = [SelectChoice(s.id, s.name) for s in reference.sme_sectors()]

    def validate_corporate_number(self, field):
        value = corporate_number.normalise(field.data or "")
        field.data = value
        if self.is_sole_proprietor.data:
            if value:
                raise ValidationError(_("個人事業主の場合、法人番号は入力しないでください。"))
            return
        if not value:
            raise ValidationError(
                _("法人番号を入力してください（個人事業主の場合はチェックを入れてください）。")
            )
        if not corporate_number.is_thirteen_digits(value):
            raise ValidationError(_("法人番号は13桁の数字で入力してください。"))
        if not corporate_number.is_valid(value):
            raise ValidationError(
                _("法人番号が正しくありません（13桁の数字、チェックデジットを確認してください）。")
            )

    def apply_to(self, company) -> None:
        """Copy the declared fields only (no mass assignment)."""
        company.name = self.name.data.strip()
        company.is_sole_proprietor = bool(self.is_sole_proprietor.data)
        company.corporate_number = self.corporate_number.data or None
        company.prefecture_code = self.prefecture_code.data
        company.jsic_division = self.jsic_division.data
        company.sme_sector = self.sme_sector.data
        company.employees = self.employees.number
        company.capital_yen = self.capital_yen.number
        company.fiscal_year_start_month = self.fiscal_year_start_month.data
