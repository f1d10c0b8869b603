"""Team mode's pages: thin (load and authorise, call a service, render or redirect).

Who sees what (app/access.py's roles, plus the round's participants):
- the owner (``manage``) runs the round and sees every submitted view;
- a participant sees their own view always, the others' only after submitting their own;
- owners and editors (``edit``) set the consensus, beside the submitted views;
- viewers who are not participants, advisors and bureau users see none of it.
"""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import OperationalError

from app.access import can, deny, get_assessment_or_404
from app.assessments import services as questionnaire
from app.assessments.forms import field_name, posted_values, tampering_problems
from app.assessments.rendering import form_values, fragments, step_form
from app.companies.fiscal import today_jst
from app.members.invite_limit import invitation_limit
from app.models.assessment import EVIDENCE_MAX
from app.team import divergence, services
from app.team.forms import (
    AddParticipantForm,
    InviteParticipantForm,
    chosen_steps,
    perspective_choices,
    view_form_class,
    view_tampering,
    view_values,
)
from app.team.mail import send_invitation, send_participant_invitation
from app.team.reminders import remind_round
from app.team.services import PERSPECTIVE_LABELS, TeamRefusal
from app.web.errors import render_error
from app.web.forms import ConfirmForm
from app.web.guards import roles_required
from questionnaires import load_index

bp = Blueprint("team", __name__)
NO_ERRORS = {"current": (), "target": (), "note": ()}


@bp.app_template_global()
def team_link(assessment):
    """(label, url) of the team page this user may open for the assessment, or None: the
    questionnaire's sidebar shows it without the assessments package importing this one."""
    if current_user.role != "member":
        return None
    if can(current_user, "manage", assessment.company_id):
        return _("チームで評価"), url_for("team.manage", assessment_id=assessment.id)
    team = services.round_of(assessment)
    if services.participant_of(team, current_user) is not None:
        return _("自分の評価"), url_for("team.mine", assessment_id=assessment.id)
    return None


def _refused(error: TeamRefusal):
    if error.status == 404:
        abort(404)
    return render_error(error.status, str(error.message))


# --- the owner's page ----------------------------------------------------------------------------


def _form_errors(form) -> str:
    messages = [
        f"{form[n].label.text}: {e}" for n, errs in form.errors.items() if n in form for e in errs
    ]
    return " ".join(messages) or _("フォームの有効期限が切れました。もう一度送信してください。")


def _invite_form():
    form = InviteParticipantForm(prefix="invite")  # its own field ids beside the add form
    form.perspective.choices = perspective_choices(PERSPECTIVE_LABELS)
    return form


def _add_form(assessment, team, index):
    form = AddParticipantForm()
    form.user_id.choices = [
        (str(u.id), _("%(name)s（%(email)s）", name=u.display_name or u.email, email=u.email))
        for u in services.candidate_members(assessment, team)
    ]
    form.perspective.choices = perspective_choices(PERSPECTIVE_LABELS)
    return form


@bp.route("/assessments/<int:assessment_id>/team")
@roles_required("member")
def manage(assessment_id):
    assessment = get_assessment_or_404(assessment_id, "manage")
    index = load_index(assessment.index_version)
    team = services.round_of(assessment)
    return render_template(
        "team/manage.html",
        assessment=assessment,
        company=assessment.company,
        team=team,
        active=services.is_active(team),
        rows=services.progress_rows(team, index) if team else [],
        add_form=_add_form(assessment, team, index),
        invite_form=_invite_form(),
        invitations=services.pending_invitations(team),
        steps=index.steps,
        confirm=ConfirmForm(),
        labels=PERSPECTIVE_LABELS,
        first_step=index.steps[0].id,
    )


def _owner_post(assessment_id):
    assessment = get_assessment_or_404(assessment_id, "manage")
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return assessment


@bp.route("/assessments/<int:assessment_id>/team/start", methods=["POST"])
@roles_required("member")
def start(assessment_id):
    assessment = _owner_post(assessment_id)
    try:
        services.start(assessment, current_user)
    except TeamRefusal as error:
        return _refused(error)
    flash(_("チームでの評価を始めました。参加者を追加してください。"), "success")
    return redirect(url_for("team.manage", assessment_id=assessment.id))


@bp.route("/assessments/<int:assessment_id>/team/stop", methods=["POST"])
@roles_required("member")
def stop(assessment_id):
    assessment = _owner_post(assessment_id)
    services.stop(assessment, current_user)
    flash(_("チームでの評価を終了しました。入力済みの評価は残っています。"), "success")
    return redirect(url_for("team.manage", assessment_id=assessment.id))


@bp.route("/assessments/<int:assessment_id>/team/participants", methods=["POST"])
@roles_required("member")
def add_participant(assessment_id):
    assessment = get_assessment_or_404(assessment_id, "manage")
    index = load_index(assessment.index_version)
    team = services.round_of(assessment)
    form = _add_form(assessment, team, index)
    steps = chosen_steps(request.form, index.steps)
    if steps is None:
        return render_error(400, _("評価を依頼するステップを選び直してください。"))
    if not form.validate_on_submit():
        return render_error(400, _form_errors(form))
    try:
        services.add_participant(
            assessment,
            int(form.user_id.data),
            form.perspective.data,
            steps,
            current_user,
        )
    except TeamRefusal as error:
        return _refused(error)
    flash(_("参加者を追加しました。「メールを送る」で評価のリンクを知らせてください。"), "success")
    return redirect(url_for("team.manage", assessment_id=assessment.id))


@bp.route("/assessments/<int:assessment_id>/team/invitations", methods=["POST"])
@roles_required("member")
@invitation_limit
def invite_participant(assessment_id):
    """A new person: the company's invitation, which makes them a participant on accepting."""
    assessment = get_assessment_or_404(assessment_id, "manage")
    steps = chosen_steps(request.form, load_index(assessment.index_version).steps)
    if steps is None:
        return render_error(400, _("評価を依頼するステップを選び直してください。"))
    form = _invite_form()
    if not form.validate_on_submit():
        return render_error(400, _form_errors(form))
    try:
        invitation, token = services.invite_participant(
            assessment, form.email.data, form.perspective.data, steps, current_user
        )
    except TeamRefusal as error:
        return _refused(error)
    if send_participant_invitation(
        invitation, token, assessment, PERSPECTIVE_LABELS[form.perspective.data]
    ):
        flash(
            _("%(email)s に招待メールを送信しました（有効期限7日）。", email=invitation.email),
            "success",
        )
    else:
        flash(
            _(
                "招待を作成しましたが、メールを送信できませんでした。時間をおいて、もう一度招待してください。"
            ),
            "warning",
        )
    return redirect(url_for("team.manage", assessment_id=assessment.id))


@bp.route(
    "/assessments/<int:assessment_id>/team/participants/<int:participant_id>/remove",
    methods=["POST"],
)
@roles_required("member")
def remove_participant(assessment_id, participant_id):
    assessment = _owner_post(assessment_id)
    try:
        services.remove_participant(assessment, participant_id, current_user)
    except TeamRefusal as error:
        return _refused(error)
    flash(_("参加者を外しました。"), "success")
    return redirect(url_for("team.manage", assessment_id=assessment.id))


def _mail(assessment, participants, reminder):
    sent = [p for p in participants if send_invitation(p, assessment, assessment.company, reminder)]
    services.mark_mailed(sent)
    if len(sent) < len(participants):
        flash(_("一部のメールを送信できませんでした。しばらくしてから再送してください。"), "error")
    elif sent:
        flash(_("%(n)s人にメールを送りました。", n=len(sent)), "success")
    else:
        flash(_("メールを送る相手がいません（全員が提出済みです）。"), "info")


@bp.route(
    "/assessments/<int:assessment_id>/team/participants/<int:participant_id>/mail",
    methods=["POST"],
)
@roles_required("member")
def mail_participant(assessment_id, participant_id):
    assessment = _owner_post(assessment_id)
    try:
        participant = services.participant_in(assessment, participant_id)
    except TeamRefusal as error:
        return _refused(error)
    _mail(assessment, [participant], reminder=participant.mailed_at is not None)
    return redirect(url_for("team.manage", assessment_id=assessment.id))


@bp.route("/assessments/<int:assessment_id>/team/remind", methods=["POST"])
@roles_required("member")
def remind(assessment_id):
    assessment = _owner_post(assessment_id)
    team = services.round_of(assessment)
    if not services.is_active(team):
        return render_error(409, _("チームでの評価は終了しています。"))
    run = remind_round(assessment, team, today_jst())
    if run.sent:
        flash(_("%(n)s人にメールを送りました。", n=len(run.sent)), "success")
    if run.already:
        flash(
            _("本日リマインド済みの%(n)s人には送りませんでした（1日1回まで）。", n=run.already),
            "info",
        )
    if not run.sent and not run.already:
        flash(_("メールを送る相手がいません（全員が提出済みです）。"), "info")
    return redirect(url_for("team.manage", assessment_id=assessment.id))


# --- a participant's own view ---


def _me(assessment_id):
    """The assessment and the current user's participation, or a refusal (403: the member
    sees the company, just not this)."""
    assessment = get_assessment_or_404(assessment_id, "view")
    team = services.round_of(assessment)
    participant = services.participant_of(team, current_user)
    if participant is None:
        deny(assessment.company_id, "team_view")
    return assessment, team, participant


def _my_steps(index, asked):
    asked = set(asked)
    return [
        (step, [i for i in step.item_ids if i in asked])
        for step in index.steps
        if any(i in asked for i in step.item_ids)
    ]


def _open(assessment, team, participant):
    return (
        assessment.status == "draft"
        and services.is_active(team)
        and participant.submitted_at is None
    )


@bp.route("/assessments/<int:assessment_id>/team/mine")
@roles_required("member")
def mine(assessment_id):
    assessment, team, participant = _me(assessment_id)
    index = load_index(assessment.index_version)
    views = services.own_views(participant)
    steps = _my_steps(index, services.asked_items(participant, index))
    return render_template(
        "team/mine.html",
        assessment=assessment,
        company=assessment.company,
        participant=participant,
        perspective=PERSPECTIVE_LABELS[participant.perspective],
        steps=[
            (
                step,
                len(ids),
                sum(
                    1
                    for i in ids
                    if i in views
                    and views[i].current_level is not None
                    and views[i].target_level is not None
                ),
            )
            for step, ids in steps
        ],
        missing=services.missing_in_view(participant, index),
        editable=_open(assessment, team, participant),
        confirm=ConfirmForm(),
    )


@bp.route("/assessments/<int:assessment_id>/team/mine/<step_id>", methods=["GET", "POST"])
@roles_required("member")
def mine_step(assessment_id, step_id):
    assessment, team, participant = _me(assessment_id)
    index = load_index(assessment.index_version)
    steps = _my_steps(index, services.asked_items(participant, index))
    ids = dict((s.id, ids) for s, ids in steps).get(step_id)
    if ids is None:
        abort(404)
    editable = _open(assessment, team, participant)
    views = services.own_views(participant)
    values = {
        i: {
            "current": views[i].current_level if i in views else None,
            "target": views[i].target_level if i in views else None,
            "note": views[i].note if i in views else "",
            "errors": NO_ERRORS,
        }
        for i in ids
    }
    notice, status = None, 200
    if request.method == "POST":
        if not editable:
            return render_error(
                409, _("あなたの評価は提出済みか、チームでの評価が終了しています。")
            )
        form = view_form_class(tuple(ids))()
        problems = view_tampering(request.form, ids)
        if problems:
            notice, status = problems, 400
        elif not form.validate_on_submit():
            notice, status = (
                [_("入力内容にエラーがあります。各項目のメッセージを確認してください。")],
                400,
            )
            for i in ids:
                values[i] = {
                    "current": form[field_name(i, "current")].data,
                    "target": form[field_name(i, "target")].data,
                    "note": form[field_name(i, "note")].data or "",
                    "errors": {
                        p: form[field_name(i, p)].errors for p in ("current", "target", "note")
                    },
                }
        else:
            try:
                services.save_view(assessment, participant, view_values(form, ids))
            except TeamRefusal as error:
                return _refused(error)
            order = [s.id for s, _ in steps]
            pos = order.index(step_id) + (-1 if form.nav.data == "back" else 1)
            if form.nav.data == "save_exit" or not 0 <= pos < len(order):
                flash(_("保存しました。"), "success")
                return redirect(url_for("team.mine", assessment_id=assessment.id))
            return redirect(
                url_for("team.mine_step", assessment_id=assessment.id, step_id=order[pos])
            )
    asked = set(ids)
    groups = [
        (g, [item for item in g.items if item.id in asked])
        for g in fragments(index).groups[step_id]
    ]
    return render_template(
        "team/mine_step.html",
        assessment=assessment,
        company=assessment.company,
        participant=participant,
        perspective=PERSPECTIVE_LABELS[participant.perspective],
        step=index.step(step_id),
        steps=steps,
        groups=[(g, items) for g, items in groups if items],
        values=values,
        editable=editable,
        notice=notice,
        first=steps[0][0].id == step_id,
    ), status


@bp.route("/assessments/<int:assessment_id>/team/mine/submit", methods=["POST"])
@roles_required("member")
def mine_submit(assessment_id):
    assessment, team, participant = _me(assessment_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if participant.submitted_at is not None:
        flash(_("あなたの評価は既に提出されています。"), "info")
        return redirect(url_for("team.divergence_page", assessment_id=assessment.id))
    try:
        services.submit_view(assessment, participant)
    except TeamRefusal as error:
        flash(str(error.message), "warning")
        return redirect(url_for("team.mine", assessment_id=assessment.id))
    flash(_("評価を提出しました。他の参加者の評価と見比べられます。"), "success")
    return redirect(url_for("team.divergence_page", assessment_id=assessment.id))


# --- where views diverge ---


def _may_see_views(assessment, team) -> bool:
    if can(current_user, "manage", assessment.company_id):
        return True
    participant = services.participant_of(team, current_user)
    return participant is not None and participant.submitted_at is not None


@bp.route("/assessments/<int:assessment_id>/team/divergence")
@roles_required("member")
def divergence_page(assessment_id):
    assessment = get_assessment_or_404(assessment_id, "view")
    team = services.round_of(assessment)
    if team is None or not _may_see_views(assessment, team):
        deny(assessment.company_id, "team.divergence_page")
    return render_template(
        "team/divergence.html",
        assessment=assessment,
        company=assessment.company,
        team=team,
        d=divergence.build(assessment, team),
        can_manage=can(current_user, "manage", assessment.company_id),
        can_edit=can(current_user, "edit", assessment.company_id),
        assessment_first_step=load_index(assessment.index_version).steps[0].id,
    )


# --- the consensus ---

QUOTE_PREFIX = {"evidence": "quote-evidence-", "action": "quote-action-"}


def _quotes(formdata, notes_by_view: dict) -> tuple[dict, list[str]]:
    """{(item_id, part): [quoted text]} from the ticked quote boxes; refuses unknown ids."""
    quotes, problems = {}, []
    for key in formdata:
        for part, prefix in QUOTE_PREFIX.items():
            if key.startswith(prefix):
                raw = key[len(prefix) :]
                if not raw.isdigit() or int(raw) not in notes_by_view or formdata.get(key) != "1":
                    problems.append(_("引用できないメモが指定されました。"))
                    continue
                item_id, text = notes_by_view[int(raw)]
                quotes.setdefault((item_id, part), []).append(text)
    return quotes, problems


@bp.route("/assessments/<int:assessment_id>/team/consensus/<step_id>", methods=["GET", "POST"])
@roles_required("member")
def consensus(assessment_id, step_id):
    assessment = get_assessment_or_404(assessment_id, "edit")
    team = services.round_of(assessment)
    index = load_index(assessment.index_version)
    if team is None or not index.has_step(step_id):
        abort(404)
    me = services.participant_of(team, current_user)
    if me is not None and me.submitted_at is None:
        # An editor who is also a participant sees the others' views only after their own.
        deny(assessment.company_id, "team_consensus")
    step_def = index.step(step_id)
    in_step = set(step_def.item_ids)
    rows = [r for r in services.round_views(team, submitted_only=True) if r.item_id in in_step]
    labels = PERSPECTIVE_LABELS
    views_by_item: dict[str, list] = {}
    for r in rows:
        views_by_item.setdefault(r.item_id, []).append(r)
    notes = {
        r.view_id: (
            r.item_id,
            _(
                "［%(perspective)s・%(name)s］%(note)s",
                perspective=labels[r.perspective],
                name=r.display_name or r.email,
                note=r.note,
            ),
        )
        for r in rows
        if r.note
    }
    answers = questionnaire.answer_rows(assessment)
    values = {i: questionnaire.answer_values(answers.get(i)) for i in step_def.item_ids}
    version = str(questionnaire.step_versions(assessment).get(step_id, 0))
    notice, conflict, status = None, None, 200
    editable = assessment.status == "draft"
    if request.method == "POST":
        if not editable:
            return render_error(409, _("この診断は提出済みのため変更できません。"))
        form = step_form(assessment.index_version, step_id)()
        problems = tampering_problems(request.form, step_def)
        quotes, quote_problems = _quotes(request.form, notes)
        problems += quote_problems
        valid = not problems and form.validate_on_submit()
        values = form_values(form, step_def)
        version = form.version.data
        if problems:
            notice, status = problems, 400
        elif not valid:
            notice, status = (
                [_("入力内容にエラーがあります。各項目のメッセージを確認してください。")],
                400,
            )
        else:
            posted = posted_values(form, step_def)
            too_long = []
            for (item_id, part), texts in quotes.items():
                joined = "\n".join(t for t in [posted[item_id][part], *texts] if t)
                if len(joined) > EVIDENCE_MAX:
                    too_long.append(item_id)
                posted[item_id][part] = joined
            if too_long:
                notice, status = (
                    [
                        _(
                            "引用すると%(max)s文字を超える項目があります: %(items)s",
                            max=EVIDENCE_MAX,
                            items="、".join(too_long),
                        )
                    ],
                    400,
                )
            else:
                try:
                    conflict = questionnaire.save_step(
                        assessment, step_def, posted, int(version), current_user
                    )
                except questionnaire.AssessmentLocked:
                    return render_error(409, _("この診断は提出済みのため変更できません。"))
                except OperationalError:
                    questionnaire.discard_failed_transaction()
                    notice, status = (
                        [_("データベースに一時的に接続できないため、保存できませんでした。")],
                        503,
                    )
                else:
                    if conflict is None:
                        services.record_consensus(
                            assessment, step_id, sum(map(len, quotes.values()))
                        )
                        order = [s.id for s in index.steps]
                        pos = order.index(step_id) + 1
                        if request.form.get("nav") == "save_exit" or pos >= len(order):
                            flash(_("合意した回答を保存しました。"), "success")
                            return redirect(
                                url_for("assessments.review", assessment_id=assessment.id)
                            )
                        return redirect(
                            url_for(
                                "team.consensus", assessment_id=assessment.id, step_id=order[pos]
                            )
                        )
                    notice = [
                        _(
                            "他の画面（または他の方）が先にこのステップを保存しました。内容を確認して、もう一度保存してください。"
                        )
                    ]
                    status, version = 409, str(conflict.current_version)
    for row in values.values():
        row.setdefault("errors", {"current": (), "target": (), "evidence": (), "action": ()})
    return render_template(
        "team/consensus.html",
        assessment=assessment,
        company=assessment.company,
        step=step_def,
        steps=index.steps,
        groups=fragments(index).groups[step_id],
        values=values,
        version=version,
        notice=notice,
        views_by_item=views_by_item,
        labels=labels,
        editable=editable,
        waiting=[r for r in services.progress_rows(team, index) if not r.finished],
    ), status
