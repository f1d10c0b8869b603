from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField
from wtforms.validators import InputRequired

from app.companies.fiscal import FIRST_FISCAL_YEAR
from app.web.form_fields import ascii_int


class ImportForm(FlaskForm):
    fiscal_year = SelectField(
        lazy_gettext("読み込み先の年度"),
        coerce=ascii_int,
        validators=[InputRequired(message=lazy_gettext("年度を選んでください。"))],
    )
    workbook = FileField(
        lazy_gettext("Excelのブック（.xlsx）"),
        validators=[FileRequired(message=lazy_gettext("ファイルを選んでください。"))],
        render_kw={"accept": ".xlsx"},
    )

    def set_years(self, current_year: int) -> None:
        self.fiscal_year.choices = [
            (
                y,
                _("%(year)s年度（今年度）", year=y)
                if y == current_year
                else _("%(year)s年度", year=y),
            )
            for y in range(current_year, FIRST_FISCAL_YEAR - 1, -1)
        ]
