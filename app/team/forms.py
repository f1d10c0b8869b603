"""Team mode's forms. A participant's step form reuses the questionnaire's field names and level
validation (app/assessments/forms.py), with a note in place of evidence and action."""

import unicodedata
from functools import lru_cache

from flask_babel import gettext, lazy_gettext
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from app.assessments.forms import (
    LEVEL_ERROR,
    LEVEL_PATTERN,
    field_name,
    level_value,
    nav_field,
)
from app.members.forms import InviteForm
from app.models.team import PERSPECTIVES, TEAM_NOTE_MAX
from app.web.form_fields import no_control_chars

VIEW_PARTS = ("current", "target", "note")


class AddParticipantForm(FlaskForm):
    user_id = SelectField(lazy_gettext("メンバー"), coerce=str, validators=[DataRequired()])
    perspective = SelectField(lazy_gettext("立場"), choices=[], validators=[DataRequired()])

    def validate_user_id(self, field):  # the select's choices are this company's members
        if not field.data.isdigit():
            raise ValueError(lazy_gettext("メンバーを選んでください。"))


class InviteParticipantForm(FlaskForm):
    """Someone who is not a member yet: invited to the company (as a viewer) and, on
    accepting, made a participant with this perspective."""

    email = InviteForm.email
    perspective = SelectField(
        lazy_gettext("招待する方の区分（経営幹部・事業部門など）"),
        choices=[],
        validators=[DataRequired()],
    )


def _note_field():
    return TextAreaField(
        lazy_gettext("メモ（任意）"),
        validators=[
            Optional(),
            Length(max=TEAM_NOTE_MAX, message=lazy_gettext("2,000文字以内で入力してください。")),
            no_control_chars,
        ],
        filters=[lambda v: unicodedata.normalize("NFC", v) if v else v],
    )


@lru_cache(maxsize=128)
def view_form_class(item_ids: tuple[str, ...]):
    """The form of one step of a participant's own view (the items asked on that step)."""
    attrs = {"nav": nav_field()}
    for item_id in item_ids:
        for part in ("current", "target"):
            attrs[field_name(item_id, part)] = StringField(
                validators=[Optional(), Regexp(LEVEL_PATTERN, message=LEVEL_ERROR)]
            )
        attrs[field_name(item_id, "note")] = _note_field()
    return type("TeamViewForm", (FlaskForm,), attrs)


def view_values(form, item_ids) -> dict[str, dict]:
    values = {}
    for item_id in item_ids:
        row = {}
        for part in ("current", "target"):
            row[part] = level_value(form[field_name(item_id, part)].data)
        row["note"] = (form[field_name(item_id, "note")].data or "").strip()
        values[item_id] = row
    return values


def view_tampering(formdata, item_ids) -> list[str]:
    """Fields of items not asked on this page, or posted twice, are refused."""
    allowed = {field_name(i, p) for i in item_ids for p in VIEW_PARTS}
    problems = []
    for key in formdata:
        if key.startswith("item-") and key not in allowed:
            problems.append(gettext("この画面にない項目が送信されました: %(key)s", key=key[:40]))
        elif key in allowed and len(formdata.getlist(key)) > 1:
            problems.append(gettext("同じ項目に複数の値が送信されました: %(key)s", key=key[:40]))
    return problems


STEP_PREFIX = "step-"  # one checkbox per step (the input guard refuses repeated fields)


def chosen_steps(formdata, steps) -> list[str] | None:
    """The ticked steps, or None when a box names no step of the version (tampered)."""
    known = {s.id for s in steps}
    chosen = []
    for key in formdata:
        if key.startswith(STEP_PREFIX):
            step_id = key[len(STEP_PREFIX) :]
            if step_id not in known or formdata[key] != "y":
                return None
            chosen.append(step_id)
    return [s.id for s in steps if s.id in chosen]


def perspective_choices(labels):
    return [(code, str(labels[code])) for code in PERSPECTIVES]
