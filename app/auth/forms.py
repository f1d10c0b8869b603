from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from app.auth.passwords import MAX_LENGTH
from app.web.form_fields import single_line


class LoginForm(FlaskForm):
    email = EmailField(lazy_gettext("メールアドレス"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(
        lazy_gettext("パスワード"), validators=[DataRequired(), Length(max=MAX_LENGTH)]
    )


class SignupForm(FlaskForm):
    display_name = StringField(
        lazy_gettext("お名前"), validators=[DataRequired(), Length(max=100), single_line]
    )
    email = EmailField(
        lazy_gettext("メールアドレス"),
        validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
    )
    password = PasswordField(
        lazy_gettext("パスワード（12文字以上）"),
        validators=[DataRequired(), Length(max=MAX_LENGTH), single_line],
    )
    password_confirm = PasswordField(
        lazy_gettext("パスワード（確認）"),
        validators=[
            DataRequired(),
            EqualTo("password", message=lazy_gettext("パスワードが一致しません。")),
        ],
    )


class ConfirmSignupForm(FlaskForm):
    """Only the CSRF token: the button that creates the account from a confirmed link."""
