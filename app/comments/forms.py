from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from app.models.comment import COMMENT_MAX
from app.web.form_fields import nfc_text, no_control_chars


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
