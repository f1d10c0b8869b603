from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from app.advisors.services import SCOPE_LABELS
from app.models.advisor import GRANT_SCOPES
from app.models.comment import COMMENT_MAX
from app.web.form_fields import nfc_text, no_control_chars, strip_text


class GrantForm(FlaskForm):
    # No e-mail format check: any typed value gets the same neutral answer as an unknown one.
    email = EmailField(
        "支援者のメールアドレス",
        filters=[strip_text],
        validators=[
            DataRequired(message="メールアドレスを入力してください。"),
            Length(max=254, message="254文字以内で入力してください。"),
        ],
    )
    scope = SelectField(
        "権限の範囲",
        choices=[SelectChoice(s, SCOPE_LABELS[s]) for s in GRANT_SCOPES],
        invalid_choice_message="権限の範囲を選択してください。",
    )


class CommentForm(FlaskForm):
    body = TextAreaField(
        "コメント",
        filters=[nfc_text],
        validators=[
            DataRequired(message="コメントを入力してください。"),
            Length(max=COMMENT_MAX, message=f"{COMMENT_MAX}文字以内で入力してください。"),
            no_control_chars,
        ],
    )
