"""The questionnaire's forms. A step's posted form is generated from the index definition, four
fields per item, and checked by StepPost (plain code, with the rules WTForms applied before);
the other forms are Flask-WTF forms. The level pickers are drawn by template macros
(templates/components/levels.html), which is several times faster than WTForms widgets.
"""

import re
import unicodedata
from functools import lru_cache

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from flask_wtf.form import SUBMIT_METHODS
from wtforms import BooleanField, HiddenField, StringField
from wtforms.validators import AnyOf, Optional, Regexp

from app.models.assessment import EVIDENCE_MAX
from app.web.form_fields import checkbox_value, has_control_chars

LEVEL_PATTERN = re.compile(r"\A[0-5]\Z")  # ASCII only: "٣" or "３" are not levels
PARTS = ("current", "target", "evidence", "action")
LEVEL_PARTS, TEXT_PARTS = PARTS[:2], PARTS[2:]
LEVEL_ERROR = lazy_gettext("0〜5のレベルから選択してください。")


def field_name(item_id: str, part: str) -> str:
    """The one place that names an answer's form field (templates get it via rendering)."""
    return f"item-{item_id}-{part}"


NAV_CHOICES = ("next", "back", "save_exit")  # the flow's buttons (name="nav")
GOTO_PREFIX = "goto:"  # a sidebar button: save, then open the page named after the prefix


def nav_field(goto_targets=()):
    """Which button was pressed; anything else is refused rather than read as "next".
    `goto_targets` are the flow's page ids a sidebar button may name (only these)."""
    choices = NAV_CHOICES + tuple(GOTO_PREFIX + target for target in goto_targets)
    return StringField(
        # Never shown: without a label WTForms asks its translations for one, and Flask-WTF
        # loads those from disk once per request (bench/README.md, step save).
        lazy_gettext("送信ボタン"),
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


class PostedField:
    """One posted field as the views read it (WTForms' names): ``data`` after the filters,
    ``raw_data`` as posted, ``errors`` after validation."""

    __slots__ = ("data", "raw_data", "errors")

    def __init__(self, raw_data: list[str]):
        self.raw_data = raw_data
        self.data = raw_data[0] if raw_data else None
        self.errors: list | tuple = ()


VERSION_PATTERN = re.compile(r"\A[0-9]{1,9}\Z")
BAD_REQUEST = lazy_gettext("リクエストの内容が正しくありません。")  # a bad version (not shown)
NAV_ERROR = lazy_gettext("送信ボタンの値が正しくありません。")
TEXT_TOO_LONG = lazy_gettext("%(max)d文字以内で入力してください。", max=EVIDENCE_MAX)


class StepPost:
    """A questionnaire step's posted form, read and checked with the rules (and messages) of
    the WTForms form it replaced; binding that form's 38 fields cost about 0.5 ms of every
    save, more than the save's statements (issue 16, bench/README.md):

    - the two levels: optional (nothing, or only spaces); otherwise one ASCII digit 0-5;
    - evidence and action: NFC-normalised; optional; otherwise at most EVIDENCE_MAX characters
      and no control characters but tab and line breaks (each failed check adds its message);
    - ``version``: 1 to 9 ASCII digits, required; ``nav``: optional, one of the flow's buttons.

    The CSRF token is checked by CSRFProtect before the view (app/__init__.py; the step page
    writes its token with csrf_token()). Fields of other items and repeated fields are refused
    before this (tampering_problems, app/web/input_guard). Subclassed once per step by
    step_post_class(), which sets the field names."""

    levels: tuple[str, ...] = ()
    texts: tuple[str, ...] = ()
    nav_choices: frozenset[str] = frozenset(NAV_CHOICES)

    def __init__(self, formdata=None):
        if formdata is None:
            formdata = request.form if request.method in SUBMIT_METHODS else {}
        self._fields = fields = {}
        for name in ("version", "nav", *self.levels, *self.texts):
            fields[name] = PostedField(formdata.getlist(name) if name in formdata else [])
        for name in self.texts:
            field = fields[name]
            if field.data:
                field.data = unicodedata.normalize("NFC", field.data)
        self.version, self.nav = fields["version"], fields["nav"]

    def __getitem__(self, name: str) -> PostedField:
        return self._fields[name]

    def validate_on_submit(self) -> bool:
        return request.method in SUBMIT_METHODS and self.validate()

    def validate(self) -> bool:
        fields = self._fields
        for field in fields.values():
            field.errors = []
        if not VERSION_PATTERN.match(self.version.data or ""):
            self.version.errors.append(BAD_REQUEST)
        if not _blank(self.nav) and self.nav.data not in self.nav_choices:
            self.nav.errors.append(NAV_ERROR)
        for name in self.levels:
            field = fields[name]
            if not _blank(field) and not LEVEL_PATTERN.match(field.data or ""):
                field.errors.append(LEVEL_ERROR)
        for name in self.texts:
            field = fields[name]
            if _blank(field):
                continue
            if len(field.data or "") > EVIDENCE_MAX:
                field.errors.append(TEXT_TOO_LONG)
            if has_control_chars(field.data):
                field.errors.append(_("使用できない制御文字が含まれています。"))
        return not any(field.errors for field in fields.values())


def _blank(field: PostedField) -> bool:
    """WTForms' Optional(): nothing posted, or only white space; the field's checks end."""
    return not field.raw_data or not field.raw_data[0].strip()


def step_post_class(step, goto_targets=()) -> type[StepPost]:
    """The posted form of one questionnaire step (cached per step by the caller)."""
    return type(
        f"StepPost_{step.id.replace('-', '_')}",
        (StepPost,),
        {
            "levels": tuple(field_name(i, p) for i in step.item_ids for p in LEVEL_PARTS),
            "texts": tuple(field_name(i, p) for i in step.item_ids for p in TEXT_PARTS),
            "nav_choices": frozenset(
                NAV_CHOICES + tuple(GOTO_PREFIX + target for target in goto_targets)
            ),
        },
    )


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


@lru_cache(maxsize=256)
def _answer_fields(step) -> frozenset[str]:
    return frozenset(field_name(i, p) for i in step.item_ids for p in PARTS)


def tampering_problems(formdata, step) -> list[str]:
    """Field names for items outside this step, and duplicated fields, are refused outright."""
    problems = []
    allowed = _answer_fields(step)
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
