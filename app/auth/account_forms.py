"""Forms for password reset and change and for two-factor authentication."""

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from app.auth.passwords import MAX_LENGTH
from app.web.form_fields import checkbox_value, single_line

TOO_LONG = lazy_gettext("パスワードは%(max)d文字以内にしてください。", max=MAX_LENGTH)

NEW_PASSWORD_LABEL = lazy_gettext("新しいパスワード（12文字以上）")  # noqa: S105 - a label, not a secret
MISMATCH = lazy_gettext("パスワードが一致しません。")


CODE_LABEL = lazy_gettext("確認コード（6桁）")


def _code_field(label=CODE_LABEL):
    return StringField(
        label,
        validators=[
            DataRequired(message=lazy_gettext("確認コードを入力してください。")),
            Length(max=20),
        ],
    )


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        lazy_gettext("メールアドレス"),
        validators=[
            DataRequired(message=lazy_gettext("メールアドレスを入力してください。")),
            Length(max=254),
        ],
    )


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        NEW_PASSWORD_LABEL,
        validators=[DataRequired(), Length(max=MAX_LENGTH, message=TOO_LONG), single_line],
    )
    password_confirm = PasswordField(
        lazy_gettext("新しいパスワード（確認）"),
        validators=[DataRequired(), EqualTo("password", MISMATCH)],
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        lazy_gettext("現在のパスワード"),
        validators=[DataRequired(), Length(max=MAX_LENGTH, message=TOO_LONG)],
    )
    password = PasswordField(
        NEW_PASSWORD_LABEL,
        validators=[DataRequired(), Length(max=MAX_LENGTH, message=TOO_LONG), single_line],
    )
    password_confirm = PasswordField(
        lazy_gettext("新しいパスワード（確認）"),
        validators=[DataRequired(), EqualTo("password", MISMATCH)],
    )


class TotpLoginForm(FlaskForm):
    code = _code_field(lazy_gettext("確認コード（6桁）または回復コード"))


class TotpEnableForm(FlaskForm):
    current_password = PasswordField(
        lazy_gettext("現在のパスワード"),
        validators=[DataRequired(), Length(max=MAX_LENGTH, message=TOO_LONG)],
    )
    code = _code_field()


class TotpDisableForm(FlaskForm):
    current_password = PasswordField(
        lazy_gettext("現在のパスワード"),
        validators=[DataRequired(), Length(max=MAX_LENGTH, message=TOO_LONG)],
    )
    code = _code_field()


class RecoveryCodesForm(FlaskForm):
    current_password = PasswordField(
        lazy_gettext("現在のパスワード"),
        validators=[DataRequired(), Length(max=MAX_LENGTH, message=TOO_LONG)],
    )


class NotificationsForm(FlaskForm):
    notify_by_mail = BooleanField(
        lazy_gettext("コメントの通知と提出期限のお知らせをメールで受け取る"),
        validators=[checkbox_value],
    )
