from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from app.models.comment import COMMENT_MAX
from app.web.form_fields import nfc_text, no_control_chars


class CommentForm(FlaskForm):
    body = TextAreaField(
        lazy_gettext("コメント"),
        filters=[nfc_text],
        validators=[
            DataRequired(message=lazy_gettext("コメントを入力してください。")),
            Length(
                max=COMMENT_MAX,
                message=lazy_gettext(
                    "%(comment_max)s文字以内で入力してください。", comment_max=COMMENT_MAX
                ),
            ),
            no_control_chars,
        ],
    )
