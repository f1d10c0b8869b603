from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField
from wtforms.validators import InputRequired

from app.companies.fiscal import FIRST_FISCAL_YEAR
from app.web.form_fields import ascii_int


class ImportForm(FlaskForm):
    fiscal_year = SelectField(
        "読み込み先の年度",
        coerce=ascii_int,
        validators=[InputRequired(message="年度を選んでください。")],
    )
    workbook = FileField(
        "Excelのブック（.xlsx）",
        validators=[FileRequired(message="ファイルを選んでください。")],
        render_kw={"accept": ".xlsx"},
    )

    def set_years(self, current_year: int) -> None:
        self.fiscal_year.choices = [
            (y, f"{y}年度" + ("（今年度）" if y == current_year else ""))
            for y in range(current_year, FIRST_FISCAL_YEAR - 1, -1)
        ]
