"""Admin pages: thin views over app/admin/services.py. Every change is a POST with CSRF."""

import re

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_login import current_user

from app.admin import services
from app.admin.forms import CreateUserForm, RoleForm, TwoFactorPolicyForm
from app.auth import two_factor_policy
from app.extensions import db
from app.indexes import services as index_versions
from app.models import User
from app.web.forms import ConfirmForm
from app.web.guards import roles_required
from questionnaires import available_versions

bp = Blueprint("admin", __name__, url_prefix="/admin")

PAGE = re.compile(r"\A[1-9][0-9]{0,5}\Z")
DISABLED_MESSAGE = lazy_gettext(
    "アカウントを無効にしました。ログイン中のセッションも終了しました。"
)


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.route("/")
@roles_required("admin")
def users():
    query = request.args.get("q", "").strip()[:100]
    raw_page = request.args.get("page", "1")
    page = int(raw_page) if PAGE.match(raw_page) else 1
    rows, total = services.search_users(query, page)
    return render_template(
        "admin/users.html",
        rows=rows,
        total=total,
        query=query,
        page=page,
        pages=max(1, -(-total // services.PAGE_SIZE)),
        roles=services.ROLE_LABELS,
        bureau_label=services.bureau_label,
    )


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required("admin")
def new_user():
    form = CreateUserForm()
    if form.validate_on_submit():
        try:
            user, mailed = services.create_staff_user(
                form.email.data,
                form.display_name.data,
                form.role.data,
                form.organisation.data,
                form.bureau_code.data,
            )
        except services.AdminError as exc:
            form.email.errors.append(str(exc))
        else:
            if mailed:
                flash(
                    _(
                        "%(email)s を作成し、パスワード設定用のリンクを送信しました。",
                        email=user.email,
                    ),
                    "success",
                )
            else:
                flash(_("アカウントを作成しましたが、メールを送信できませんでした。"), "warning")
            return redirect(url_for("admin.user", user_id=user.id))
    status = 400 if form.errors else 200
    return render_template("admin/new_user.html", form=form), status


@bp.route("/users/<int:user_id>")
@roles_required("admin")
def user(user_id):
    target = _user_or_404(user_id)
    return _render_user(target, RoleForm(role=target.role, bureau_code=target.bureau_code or ""))


def _render_user(target, role_form, status=200):
    return render_template(
        "admin/user.html",
        target=target,
        companies=services.company_count(target),
        role_form=role_form,
        action_form=ConfirmForm(),
        roles=services.ROLE_LABELS,
        bureau_label=services.bureau_label,
    ), status


@bp.route("/users/<int:user_id>/role", methods=["POST"])
@roles_required("admin")
def change_role(user_id):
    target = _user_or_404(user_id)
    form = RoleForm()
    if form.validate_on_submit():
        try:
            services.change_role(
                current_user, target, form.role.data, form.bureau_code.data or None
            )
        except services.AdminError as exc:
            form.role.errors.append(str(exc))
        else:
            flash(_("種別を変更しました。対象のユーザーは再ログインが必要です。"), "success")
            return redirect(url_for("admin.user", user_id=target.id))
    return _render_user(target, form, 400)


@bp.route("/users/<int:user_id>/disable", methods=["POST"])
@roles_required("admin")
def disable(user_id):
    return _set_disabled(user_id, True, DISABLED_MESSAGE)


@bp.route("/users/<int:user_id>/enable", methods=["POST"])
@roles_required("admin")
def enable(user_id):
    return _set_disabled(user_id, False, _("アカウントを有効にしました。"))


def _set_disabled(user_id, disabled, message):
    target = _user_or_404(user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.set_disabled(current_user, target, disabled)
    except services.AdminError as exc:
        flash(str(exc), "warning")
    else:
        flash(message, "success")
    return redirect(url_for("admin.user", user_id=target.id))


@bp.route("/users/<int:user_id>/clear-2fa", methods=["POST"])
@roles_required("admin")
def clear_two_factor(user_id):
    target = _user_or_404(user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.clear_two_factor(current_user, target)
    except services.AdminError as exc:
        flash(str(exc), "warning")
    else:
        flash(_("2段階認証を解除しました。本人に再設定を依頼してください。"), "success")
    return redirect(url_for("admin.user", user_id=target.id))


@bp.route("/users/<int:user_id>/send-reset", methods=["POST"])
@roles_required("admin")
def send_reset(user_id):
    target = _user_or_404(user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        mailed = services.send_reset_link(target)
    except services.AdminError as exc:
        flash(str(exc), "warning")
    else:
        if mailed:
            flash(_("パスワード設定用のリンクを送信しました。"), "success")
        else:
            flash(_("メールを送信できませんでした。"), "warning")
    return redirect(url_for("admin.user", user_id=target.id))


@bp.route("/security", methods=["GET", "POST"])
@roles_required("admin")
def security():
    form = TwoFactorPolicyForm(data=two_factor_policy.required_roles())
    if form.validate_on_submit():
        two_factor_policy.set_required(
            current_user, {role: form[role].data for role in services.ROLE_LABELS}
        )
        flash(
            _("2段階認証の設定を保存しました。対象のアカウントは次の操作で設定を求められます。"),
            "success",
        )
        return redirect(url_for("admin.security"))
    status = 400 if form.errors else 200
    return render_template("admin/security.html", form=form, roles=services.ROLE_LABELS), status


@bp.route("/versions")
@roles_required("admin")
def versions():
    return render_template(
        "admin/versions.html",
        rows=index_versions.version_rows(),
        setting=current_app.config["INDEX_VERSION"],
        form=ConfirmForm(),
    )


def _version_or_404(version: str) -> str:
    if version not in available_versions():
        abort(404)
    return version


def _change_version(version, change, message):
    version = _version_or_404(version)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        change(version, user=current_user)
    except index_versions.IndexVersionError as exc:
        flash(str(exc), "warning")
    else:
        flash(message.format(version=version), "success")
    return redirect(url_for("admin.versions"))


@bp.route("/versions/<version>/default", methods=["POST"])
@roles_required("admin")
def version_default(version):
    return _change_version(
        version, index_versions.set_default, _("版 {version} を新しい診断の既定にしました。")
    )


@bp.route("/versions/<version>/activate", methods=["POST"])
@roles_required("admin")
def version_activate(version):
    return _change_version(
        version,
        lambda v, user: index_versions.set_active(v, True, user),
        _("版 {version} を有効にしました（年度の開始時に選べます）。"),
    )


@bp.route("/versions/<version>/deactivate", methods=["POST"])
@roles_required("admin")
def version_deactivate(version):
    return _change_version(
        version,
        lambda v, user: index_versions.set_active(v, False, user),
        _("版 {version} を停止しました（この版の既存の診断はそのままです）。"),
    )


# The release page's routes live in their own module on this blueprint.
from app.admin import release_views  # noqa: E402, F401
