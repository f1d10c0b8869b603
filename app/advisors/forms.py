import unicodedata

from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError

from app.advisors.services import SCOPE_LABELS
from app.models.advisor import GRANT_SCOPES
from app.models.comment import COMMENT_MAX


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _normalise_text(value):
    return unicodedata.normalize("NFC", value).strip() if isinstance(value, str) else value


def _no_control_chars(_form, field):
    # PostgreSQL text cannot hold NUL, and other control characters have no place in prose.
    if field.data and any(
        unicodedata.category(c) == "Cc" and c not in "\r\n\t" for c in field.data
    ):
        raise ValidationError("使用できない制御文字が含まれています。")


class GrantForm(FlaskForm):
    # No e-mail format check: any typed value gets the same neutral answer as an unknown one.
    email = EmailField(
        "支援者のメールアドレス",
        filters=[_strip],
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
        filters=[_normalise_text],
        validators=[
            DataRequired(message="コメントを入力してください。"),
            Length(max=COMMENT_MAX, message=f"{COMMENT_MAX}文字以内で入力してください。"),
            _no_control_chars,
        ],
    )
