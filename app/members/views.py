"""Members page (owner only), invitation links, and the company's audit log."""

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from app.access import get_company_or_404
from app.audit import record
from app.members import audit_log, services
from app.members.forms import InviteForm, RoleForm
from app.members.invite_limit import invitation_limit
from app.members.services import MembershipError, NotFound
from app.web.forms import ConfirmForm
from app.web.guards import login_required, public, roles_required
from app.web.links import external_url
from app.web.mail import MailError, send_mail

bp = Blueprint("members", __name__)


def _members_page(company, invite_form=None, status=200):
    return render_template(
        "members/index.html",
        company=company,
        members=services.members_of(company),
        invitations=services.open_invitations(company),
        invite_form=invite_form or InviteForm(formdata=None),
        role_form=RoleForm(formdata=None),
        role_labels=services.ROLE_LABELS,
        is_expired=services.is_expired,
    ), status


def _back_to_members(company_id):
    return redirect(url_for("members.index", company_id=company_id))


@bp.route("/companies/<int:company_id>/members")
@roles_required("member")
def index(company_id):
    company = get_company_or_404(company_id, "manage")
    return _members_page(company)


@bp.route("/companies/<int:company_id>/invitations", methods=["POST"])
@roles_required("member")
@invitation_limit
def invite(company_id):
    company = get_company_or_404(company_id, "manage")
    form = InviteForm()
    if not form.validate_on_submit():
        return _members_page(company, form, 400)
    try:
        invitation, token = services.create_invitation(
            company, form.email.data, form.role.data, current_user
        )
    except MembershipError as exc:
        form.email.errors.append(str(exc))
        return _members_page(company, form, 400)
    link = external_url("members.invitation", token=token)
    try:
        send_mail(
            invitation.email,
            # No company name here: the subject is shown like a sender line, as if we wrote it.
            _("【DX推進指標 自己診断】会社メンバーへの招待"),
            render_template(
                "members/invitation_mail.txt",
                company=company,
                inviter=current_user,
                role_label=services.ROLE_LABELS[invitation.role],
                link=link,
                expires_at=invitation.expires_at,
            ),
        )
    except MailError:
        flash(
            _(
                "招待を作成しましたが、メールを送信できませんでした。時間をおいて、もう一度招待してください。"
            ),
            "warning",
        )
    else:
        flash(
            _("%(email)s に招待メールを送信しました（有効期限7日）。", email=invitation.email),
            "success",
        )
    return _back_to_members(company.id)


@bp.route("/companies/<int:company_id>/invitations/<int:invitation_id>/cancel", methods=["POST"])
@roles_required("member")
def cancel_invitation(company_id, invitation_id):
    company = get_company_or_404(company_id, "manage")
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        invitation = services.cancel_invitation(company, invitation_id, current_user)
    except NotFound:
        abort(404)
    except MembershipError as exc:
        flash(str(exc), "warning")
    else:
        flash(_("%(email)s への招待を取り消しました。", email=invitation.email), "success")
    return _back_to_members(company.id)


@bp.route("/companies/<int:company_id>/members/<int:membership_id>/role", methods=["POST"])
@roles_required("member")
def change_role(company_id, membership_id):
    company = get_company_or_404(company_id, "manage")
    form = RoleForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        membership = services.change_role(company, membership_id, form.role.data, current_user)
    except NotFound:
        abort(404)
    except MembershipError as exc:
        flash(str(exc), "warning")
        return _back_to_members(company.id)
    flash(
        _(
            "%(email)s の役割を%(role)sに変更しました。",
            email=membership.user.email,
            role=services.ROLE_LABELS[membership.role],
        ),
        "success",
    )
    if membership.user_id == current_user.id:
        # An owner who stepped down can no longer open the members page.
        return redirect(url_for("companies.dashboard", company_id=company.id))
    return _back_to_members(company.id)


@bp.route("/companies/<int:company_id>/members/<int:membership_id>/remove", methods=["POST"])
@roles_required("member")
def remove(company_id, membership_id):
    company = get_company_or_404(company_id, "manage")
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        removed = services.remove_member(company, membership_id, current_user)
    except NotFound:
        abort(404)
    except MembershipError as exc:
        flash(str(exc), "warning")
        return _back_to_members(company.id)
    if removed.user_id == current_user.id:
        flash(_("%(company)s から退出しました。", company=company.name), "success")
        return redirect(url_for("main.home"))
    flash(_("%(email)s をメンバーから削除しました。", email=removed.user.email), "success")
    return _back_to_members(company.id)


# --- invitation links -------------------------------------------------------------------------


def _invitation_page(token, invitation, problem, status):
    return render_template(
        "members/invitation.html",
        token=token,
        invitation=invitation,
        problem=problem.message if problem else None,
        role_labels=services.ROLE_LABELS,
        form=ConfirmForm(formdata=None),
    ), status


@bp.route("/invitations/<token>")
@public
def invitation(token):
    found = services.find_invitation(token)
    problem = services.link_problem(found)
    if problem:
        return _invitation_page(token, None, problem, problem.status)
    if current_user.is_authenticated:
        problem = services.account_problem(found, current_user)
    return _invitation_page(token, found, problem, 200)


@bp.route("/invitations/<token>/accept", methods=["POST"])
@login_required
def accept(token):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        accepted = services.accept_invitation(token, current_user)
    except MembershipError as exc:
        found = services.find_invitation(token)
        record(
            "invitation_refused",
            company_id=found.company_id if found else None,
            details={
                "invitation_id": found.id if found else None,
                "reason": exc.refusal.code,
            },
            commit=True,
        )
        still_valid = found if services.link_problem(found) is None else None
        return _invitation_page(token, still_valid, exc.refusal, exc.refusal.status)
    flash(_("%(company)s に参加しました。", company=accepted.company.name), "success")
    return redirect(url_for("companies.dashboard", company_id=accepted.company_id))


# --- audit log --------------------------------------------------------------------------------


@bp.route("/companies/<int:company_id>/audit")
@roles_required("member")
def audit(company_id):
    company = get_company_or_404(company_id, "manage")
    page = audit_log.company_events(company.id, request.args.get("page"))
    return render_template("members/audit.html", company=company, page=page)
