from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from app.advisors.services import SCOPE_LABELS
from app.models.advisor import GRANT_SCOPES
from app.web.form_fields import strip_text


class GrantForm(FlaskForm):
    # No e-mail format check: any typed value gets the same neutral answer as an unknown one.
    email = EmailField(
        lazy_gettext("支援者のメールアドレス"),
        filters=[strip_text],
        validators=[
            DataRequired(message=lazy_gettext("メールアドレスを入力してください。")),
            Length(max=254, message=lazy_gettext("254文字以内で入力してください。")),
        ],
    )
    scope = SelectField(
        lazy_gettext("権限の範囲"),
        choices=[SelectChoice(s, SCOPE_LABELS[s]) for s in GRANT_SCOPES],
        invalid_choice_message=lazy_gettext("権限の範囲を選択してください。"),
    )
