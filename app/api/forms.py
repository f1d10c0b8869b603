from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import Length

from app.web.form_fields import StrictIntegerField, no_control_chars, single_line


class TokenForm(FlaskForm):
    name = StringField(
        "トークンの名前（用途）", validators=[Length(max=100), single_line, no_control_chars]
    )
    expires_days = StrictIntegerField("有効期限（日数、空欄は無期限）", minimum=1, maximum=3650)
