from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length

from app.members.services import ROLE_LABELS
from app.models.company import COMPANY_ROLES
from app.models.invitation import INVITABLE_ROLES
from app.web.form_fields import strip_text


class InviteForm(FlaskForm):
    email = EmailField(
        lazy_gettext("招待する方のメールアドレス"),
        filters=[strip_text],
        validators=[
            DataRequired(message=lazy_gettext("メールアドレスを入力してください。")),
            Length(max=254, message=lazy_gettext("254文字以内で入力してください。")),
            Email(
                check_deliverability=False,
                message=lazy_gettext("メールアドレスの形式が正しくありません。"),
            ),
        ],
    )
    role = SelectField(
        lazy_gettext("役割"),
        choices=[SelectChoice(r, ROLE_LABELS[r]) for r in INVITABLE_ROLES],
        invalid_choice_message=lazy_gettext("招待できる役割は編集者か閲覧者です。"),
    )


class RoleForm(FlaskForm):
    role = SelectField(
        lazy_gettext("役割"),
        choices=[SelectChoice(r, ROLE_LABELS[r]) for r in COMPANY_ROLES],
        invalid_choice_message=lazy_gettext("役割を選択してください。"),
    )
