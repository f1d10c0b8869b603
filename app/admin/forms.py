"""Admin forms. Choices are fixed lists, so a posted value outside them is refused."""

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional

from app.admin.services import ROLE_LABELS, STAFF_ROLES, bureau_choices
from app.web.form_fields import StrictIntegerField, single_line


def _bureau_field():
    return SelectField(
        lazy_gettext("管轄（経済産業局の職員のみ）"),
        choices=[
            SelectChoice("", lazy_gettext("（なし）")),
            *(SelectChoice(*c) for c in bureau_choices()),
        ],
        validators=[Optional()],
        default="",
    )


class CreateUserForm(FlaskForm):
    email = EmailField(
        lazy_gettext("メールアドレス"),
        validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
    )
    display_name = StringField(
        lazy_gettext("お名前"), validators=[DataRequired(), Length(max=100), single_line]
    )
    role = SelectField(
        lazy_gettext("種別"),
        choices=[SelectChoice(r, ROLE_LABELS[r]) for r in STAFF_ROLES],
        validators=[DataRequired()],
    )
    organisation = StringField(
        lazy_gettext("所属（任意）"), validators=[Optional(), Length(max=200), single_line]
    )
    bureau_code = _bureau_field()


class RoleForm(FlaskForm):
    role = SelectField(
        lazy_gettext("種別"),
        choices=[SelectChoice(r, label) for r, label in ROLE_LABELS.items()],
        validators=[DataRequired()],
    )
    bureau_code = _bureau_field()


class TwoFactorPolicyForm(FlaskForm):
    """One box per role: accounts of a checked role must use two-factor authentication."""

    member = BooleanField(ROLE_LABELS["member"])
    advisor = BooleanField(ROLE_LABELS["advisor"])
    bureau = BooleanField(ROLE_LABELS["bureau"])
    admin = BooleanField(ROLE_LABELS["admin"])


class ReleaseForm(FlaskForm):
    """Publish a bureau report release: a fiscal year and one of the loaded index versions."""

    fiscal_year = StrictIntegerField(
        lazy_gettext("年度"),
        validators=[InputRequired(message=lazy_gettext("年度を入力してください。"))],
        minimum=2000,
        maximum=2100,
    )
    index_version = SelectField(lazy_gettext("指標の版"), validators=[DataRequired()])
