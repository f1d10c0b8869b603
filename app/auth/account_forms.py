"""Forms for password reset and change and for two-factor authentication."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from app.auth.passwords import MAX_LENGTH
from app.web.form_fields import checkbox_value, single_line

TOO_LONG = f"パスワードは{MAX_LENGTH}文字以内にしてください。"

NEW_PASSWORD_LABEL = "新しいパスワード（12文字以上）"  # noqa: S105 - a label, not a secret
MISMATCH = "パスワードが一致しません。"


def _code_field(label="確認コード（6桁）"):
    return StringField(
        label,
        validators=[DataRequired(message="確認コードを入力してください。"), Length(max=20)],
    )


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        "メールアドレス",
        validators=[DataRequired(message="メールアドレスを入力してください。"), Length(max=254)],
    )


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        NEW_PASSWORD_LABEL,
        validators=[DataRequired(), Length(max=MAX_LENGTH, message=TOO_LONG), single_line],
    )
    password_confirm = PasswordField(
        "新しいパスワード（確認）", validators=[DataRequired(), EqualTo("password", MISMATCH)]
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        "現在のパスワード", validators=[DataRequired(), Length(max=MAX_LENGTH, message=TOO_LONG)]
    )
    password = PasswordField(
        NEW_PASSWORD_LABEL,
        validators=[DataRequired(), Length(max=MAX_LENGTH, message=TOO_LONG), single_line],
    )
    password_confirm = PasswordField(
        "新しいパスワード（確認）", validators=[DataRequired(), EqualTo("password", MISMATCH)]
    )


class TotpLoginForm(FlaskForm):
    code = _code_field("確認コード（6桁）または回復コード")


class TotpEnableForm(FlaskForm):
    current_password = PasswordField(
        "現在のパスワード", validators=[DataRequired(), Length(max=MAX_LENGTH, message=TOO_LONG)]
    )
    code = _code_field()


class TotpDisableForm(FlaskForm):
    current_password = PasswordField(
        "現在のパスワード", validators=[DataRequired(), Length(max=MAX_LENGTH, message=TOO_LONG)]
    )
    code = _code_field()


class RecoveryCodesForm(FlaskForm):
    current_password = PasswordField(
        "現在のパスワード", validators=[DataRequired(), Length(max=MAX_LENGTH, message=TOO_LONG)]
    )


class NotificationsForm(FlaskForm):
    notify_by_mail = BooleanField(
        "コメントの通知と提出期限のお知らせをメールで受け取る", validators=[checkbox_value]
    )
