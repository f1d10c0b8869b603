"""Step forms are generated from the index definition: one set of four fields per item.

WTForms validates and checks CSRF; the level pickers are drawn by template macros
(templates/components/levels.html), which is several times faster than WTForms widgets.
"""

import re
import unicodedata

from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField, TextAreaField
from wtforms.validators import AnyOf, Length, Optional, Regexp

from app.models.assessment import EVIDENCE_MAX
from app.web.form_fields import checkbox_value, no_control_chars

LEVEL_PATTERN = re.compile(r"\A[0-5]\Z")  # ASCII only: "٣" or "３" are not levels
PARTS = ("current", "target", "evidence", "action")
LEVEL_ERROR = lazy_gettext("0〜5のレベルから選択してください。")


def field_name(item_id: str, part: str) -> str:
    """The one place that names an answer's form field (templates get it via rendering)."""
    return f"item-{item_id}-{part}"


def _text_field(label):
    return TextAreaField(
        label,
        validators=[
            Optional(),
            Length(
                max=EVIDENCE_MAX,
                message=lazy_gettext("%(max)d文字以内で入力してください。", max=EVIDENCE_MAX),
            ),
            no_control_chars,
        ],
        filters=[lambda v: unicodedata.normalize("NFC", v) if v else v],
    )


NAV_CHOICES = ("next", "back", "save_exit")  # the flow's buttons (name="nav")
GOTO_PREFIX = "goto:"  # a sidebar button: save, then open the page named after the prefix


def nav_field(goto_targets=()):
    """Which button was pressed; anything else is refused rather than read as "next".
    `goto_targets` are the flow's page ids a sidebar button may name (only these)."""
    choices = NAV_CHOICES + tuple(GOTO_PREFIX + target for target in goto_targets)
    return StringField(
        lazy_gettext("送信ボタン"),  # never shown; see LEVEL_LABELS below for why it is there
        validators=[
            Optional(),
            AnyOf(choices, message=lazy_gettext("送信ボタンの値が正しくありません。")),
        ],
    )


def goto_target(nav: str | None) -> str | None:
    """The page id of a validated "goto:<id>" value, else None."""
    if nav and nav.startswith(GOTO_PREFIX):
        return nav[len(GOTO_PREFIX) :]
    return None


# Labels of fields that are drawn as plain markup (the level pickers, hidden fields): never
# shown; without one WTForms asks its translations for a label, and Flask-WTF loads those
# from disk once per request (bench/README.md, step save). See also SubmitForm.
LEVEL_LABELS = {
    "current": lazy_gettext("現在のレベル"),
    "target": lazy_gettext("3年後の目標レベル"),
}


class _CheckedByCSRFProtect:
    """The app's CSRFProtect checks every POST's token before the view (app/__init__.py), and
    the step page writes its token with csrf_token(): the form's own token field would only
    sign a fresh token on every save that nothing reads (issue 16, step save)."""

    csrf = False


def step_form_class(step, goto_targets=()):
    """A FlaskForm class for one questionnaire step (cached per step by the caller)."""
    attrs = {
        "Meta": _CheckedByCSRFProtect,
        "version": HiddenField(lazy_gettext("版"), validators=[Regexp(r"\A[0-9]{1,9}\Z")]),
        "nav": nav_field(goto_targets),
    }
    for item_id in step.item_ids:
        for part in ("current", "target"):
            attrs[field_name(item_id, part)] = StringField(
                LEVEL_LABELS[part],
                validators=[Optional(), Regexp(LEVEL_PATTERN, message=LEVEL_ERROR)],
            )
        attrs[field_name(item_id, "evidence")] = _text_field(lazy_gettext("根拠・エビデンス"))
        attrs[field_name(item_id, "action")] = _text_field(lazy_gettext("今後のアクション"))
    return type(f"StepForm_{step.id.replace('-', '_')}", (FlaskForm,), attrs)


def level_value(raw: str | None) -> int | None:
    """A validated level field's value: None (no answer) when it was not posted, empty or only
    spaces. WTForms' Optional() ends validation for blank input, so "  " reaches here too."""
    if raw is None or not raw.strip():
        return None
    return int(raw)


def posted_values(form, step) -> dict[str, dict]:
    """{item_id: {"current": int|None, "target": int|None, "evidence": str, "action": str}}."""
    values = {}
    for item_id in step.item_ids:
        row = {}
        for part in ("current", "target"):
            row[part] = level_value(form[field_name(item_id, part)].data)
        for part in ("evidence", "action"):
            row[part] = (form[field_name(item_id, part)].data or "").strip()
        values[item_id] = row
    return values


def tampering_problems(formdata, step) -> list[str]:
    """Field names for items outside this step, and duplicated fields, are refused outright."""
    problems = []
    allowed = {field_name(i, p) for i in step.item_ids for p in PARTS}
    for key in formdata:
        if key.startswith("item-") and key not in allowed:
            problems.append(_("この画面にない項目が送信されました: %(field)s", field=key[:40]))
        elif (key in allowed or key == "version") and len(formdata.getlist(key)) > 1:
            problems.append(_("同じ項目に複数の値が送信されました: %(field)s", field=key[:40]))
    return problems


class ProfileConfirmForm(FlaskForm):
    nav = nav_field()


class KpiStepForm(FlaskForm):
    """The questionnaire's KPI step: the value inputs are parsed per indicator."""

    nav = nav_field()


CONFIRM_LOWER_TARGETS = lazy_gettext("目標値が現在値を下回る項目があることを確認しました")


# Validates the review page's submit form, which is drawn as plain markup (review.html).
# The hidden version fields carry a label that is never shown: for an unlabelled field WTForms
# asks its translations for one, and Flask-WTF loads those from disk on each request.
class SubmitForm(FlaskForm):
    version = HiddenField(lazy_gettext("版"), validators=[Regexp(r"\A[0-9]{1,9}\Z")])
    confirm_lower_targets = BooleanField(CONFIRM_LOWER_TARGETS, validators=[checkbox_value])


class StartForm(FlaskForm):
    fiscal_year = StringField(validators=[Regexp(r"\A[0-9]{4}\Z")])
    prefill = BooleanField(
        lazy_gettext("前回提出した回答を引き継ぐ"), default=True, validators=[checkbox_value]
    )
    # Optional: one of the active index versions (app/indexes); absent means the default.
    index_version = StringField(
        validators=[Optional(), Regexp(r"\A[0-9A-Za-z][0-9A-Za-z._-]{0,31}\Z")]
    )


class ReopenForm(FlaskForm):
    version = HiddenField(lazy_gettext("版"), validators=[Regexp(r"\A[0-9]{1,9}\Z")])
