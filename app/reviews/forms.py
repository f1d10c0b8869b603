from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from app.models.review import REVIEW_COMMENT_MAX
from app.web.form_fields import nfc_text, no_control_chars

NO_RATING = ""
LEVEL_CHOICES = [SelectChoice(NO_RATING, lazy_gettext("評価しない"))] + [
    SelectChoice(str(v), str(v)) for v in range(6)
]


class RatingForm(FlaskForm):
    level = SelectField(
        lazy_gettext("支援者から見た現在の成熟度"),
        choices=LEVEL_CHOICES,
        invalid_choice_message=lazy_gettext("0〜5のレベルを選ぶか「評価しない」を選んでください。"),
    )
    evidence_checked = BooleanField(lazy_gettext("根拠・エビデンスを確認した"))


class ReviewCommentForm(FlaskForm):
    body = TextAreaField(
        lazy_gettext("新しい指摘"),
        filters=[nfc_text],
        validators=[
            DataRequired(message=lazy_gettext("コメントを入力してください。")),
            Length(
                max=REVIEW_COMMENT_MAX,
                message=lazy_gettext(
                    "%(review_comment_max)s文字以内で入力してください。",
                    review_comment_max=REVIEW_COMMENT_MAX,
                ),
            ),
            no_control_chars,
        ],
    )
    # Empty: a new review point (advisors); a point's id: a reply in its thread.
    parent_id = HiddenField(validators=[Optional()])
