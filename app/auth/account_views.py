"""Account security pages: the login's second step (TOTP), forgotten password, password change,
and turning two-factor authentication on and off."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_login import current_user, logout_user

from app.api import tokens as api_tokens
from app.api.forms import TokenForm
from app.auth import known_device, recovery_codes, reset, services, totp, two_factor_policy
from app.auth.account_forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    NotificationsForm,
    RecoveryCodesForm,
    ResetPasswordForm,
    TotpDisableForm,
    TotpEnableForm,
    TotpLoginForm,
)
from app.auth.passwords import verify_password
from app.auth.users import normalise_email
from app.extensions import limiter
from app.web.forms import ConfirmForm
from app.web.guards import login_required, public
from app.web.safe_redirect import safe_next_url
from app.web.security_headers import no_referrer

bp = Blueprint("account", __name__)

SETUP_LOST = lazy_gettext(
    "設定の途中の情報が見つかりません。表示中の新しい設定キーで登録し直してください。"
)
WRONG_CODE = lazy_gettext(
    "確認コードが正しくないか、既に使用されています。新しいコードを入力してください。"
)
WRONG_PASSWORD = lazy_gettext("現在のパスワードが正しくありません。")  # noqa: S105 - a message


def _limit():
    return current_app.config["LOGIN_LIMITS"]


def _pending_key() -> str:
    return f"2fa-pending:{totp.pending_user_id()}"


def _forgot_key() -> str:
    return "forgot:" + normalise_email(request.form.get("email", ""))


def _user_key() -> str:
    return f"account:{current_user.id}"


# -- the account page --------------------------------------------------------------------------


def _render_account(form=None, status=200):
    user = current_user._get_current_object()
    form = form or NotificationsForm(data={"notify_by_mail": user.notify_by_mail})
    return render_template(
        "account.html",
        two_factor_offered=totp.eligible(user) or totp.enabled(user),
        notifications_form=form,
        api_tokens=[(t, api_tokens.status_of(t)) for t in api_tokens.tokens_of(user)],
        token_form=TokenForm(),
        revoke_form=ConfirmForm(),
    ), status


@bp.route("/account")
@login_required
def index():
    return _render_account()


@bp.route("/account/notifications", methods=["POST"])
@login_required
def notifications():
    form = NotificationsForm()
    if not form.validate_on_submit():
        return _render_account(form, 400)
    services.set_notifications(current_user._get_current_object(), form.notify_by_mail.data)
    flash(
        _("通知メールを受け取る設定にしました。")
        if form.notify_by_mail.data
        else _("通知メールを停止しました（パスワード再設定などのメールは届きます）。"),
        "success",
    )
    return redirect(url_for("account.index"))


# -- login, second step ------------------------------------------------------------------------


def _totp_limit():
    return current_app.config["TOTP_LIMITS"]


def _wrong_code(response) -> bool:
    return response.status_code == 400


@bp.route("/login/2fa", methods=["GET", "POST"])
@public
@limiter.limit(_limit, methods=["POST"])
# Per account, only wrong codes count: after a few the code step locks for this account.
@limiter.limit(_totp_limit, methods=["POST"], key_func=_pending_key, deduct_when=_wrong_code)
def login_2fa():
    pending = totp.pending_login()
    if pending is None:
        flash(_("もう一度メールアドレスとパスワードでログインしてください。"), "info")
        return redirect(url_for("auth.login"))
    user, next_url = pending
    form = TotpLoginForm()
    if form.validate_on_submit():
        factor = services.second_factor_login(user, form.code.data)
        if factor:
            if factor == "recovery_code":
                left = recovery_codes.remaining(user)
                flash(
                    _(
                        "回復コードでログインしました（残り%(left)d個）。認証アプリを用意し、"
                        "2段階認証の画面で回復コードを作り直してください。",
                        left=left,
                    ),
                    "warning",
                )
            response = redirect(safe_next_url(next_url) or url_for("main.home"))
            known_device.remember(response, user)
            return response
        form.code.errors.append(WRONG_CODE)
    return render_template("auth/login_2fa.html", form=form), 400 if form.errors else 200


# -- forgotten password ------------------------------------------------------------------------


@bp.route("/password/forgot", methods=["GET", "POST"])
@public
@limiter.limit(_limit, methods=["POST"])
@limiter.limit(_limit, methods=["POST"], key_func=_forgot_key)
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        reset.request_reset(form.email.data)
        # The same redirect for every address, so the answer does not reveal an account.
        return redirect(url_for("account.forgot_password_sent"))
    return render_template("auth/forgot_password.html", form=form)


@bp.route("/password/forgot/sent")
@public
def forgot_password_sent():
    return render_template("auth/forgot_password_sent.html")


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@public
@limiter.limit(_limit, methods=["POST"])
def reset_password(token):
    try:
        reset.check_token(token)
    except reset.ResetError as exc:
        return no_referrer(render_template("auth/reset_invalid.html", message=str(exc)), 400)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            reset.reset_password(token, form.password.data)
        except reset.ResetError as exc:
            return no_referrer(render_template("auth/reset_invalid.html", message=str(exc)), 400)
        except reset.PasswordError as exc:
            form.password.errors.append(str(exc))
        else:
            logout_user()
            session.clear()
            flash(
                _("パスワードを再設定しました。新しいパスワードでログインしてください。"), "success"
            )
            return redirect(url_for("auth.login"))
    status = 400 if form.errors else 200
    return no_referrer(render_template("auth/reset_password.html", form=form), status)


# -- password change ---------------------------------------------------------------------------


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
@limiter.limit(_limit, methods=["POST"], key_func=_user_key)
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            reset.change_password(user, form.current_password.data, form.password.data)
        except reset.PasswordError as exc:
            form[exc.field].errors.append(str(exc))
        else:
            services.keep_session_after_password_change(user)
            reset.notify_password_changed(user)
            flash(_("パスワードを変更しました。ほかの端末でのログインは終了しました。"), "success")
            return redirect(url_for("account.index"))
    status = 400 if form.errors else 200
    return render_template("auth/change_password.html", form=form), status


# -- two-factor authentication -----------------------------------------------------------------


def _two_factor_user():
    user = current_user._get_current_object()
    # Members have no use for it; a member who still has it on may turn it off.
    if not (totp.eligible(user) or totp.enabled(user)):
        abort(404)
    return user


def _show_recovery_codes(codes):
    # Shown this once, in the answer to the POST that made them; never stored or cached.
    # start_session() may have replaced the session in this request: drop Flask-WTF's cached
    # CSRF token so the page's forms (logout) get one that belongs to the new session.
    g.pop("csrf_token", None)
    body = render_template("auth/recovery_codes.html", codes=codes)
    return body, 200, {"Cache-Control": "no-store"}


@bp.route("/account/2fa/recovery-codes", methods=["POST"])
@login_required
@limiter.limit(_limit, key_func=_user_key)
def recovery_codes_new():
    user = _two_factor_user()
    if not totp.enabled(user):
        return redirect(url_for("account.two_factor"))
    form = RecoveryCodesForm()
    if form.validate_on_submit():
        if verify_password(user.password_hash, form.current_password.data):
            return _show_recovery_codes(services.new_recovery_codes(user))
        form.current_password.errors.append(WRONG_PASSWORD)
    return _render_two_factor(user, codes_form=form, status=400)


def _render_two_factor(user, enable_form=None, disable_form=None, status=200, codes_form=None):
    secret = None
    if not totp.enabled(user):
        secret = session.get(totp.SETUP_KEY)
        if not secret:
            secret = session[totp.SETUP_KEY] = totp.new_secret()
    return render_template(
        "auth/two_factor.html",
        enabled=totp.enabled(user),
        secret=totp.grouped(secret) if secret else None,
        uri=totp.provisioning_uri(user.email, secret) if secret else None,
        enable_form=enable_form or TotpEnableForm(formdata=None),
        disable_form=disable_form or TotpDisableForm(formdata=None),
        codes_form=codes_form or RecoveryCodesForm(formdata=None),
        codes_left=recovery_codes.remaining(user) if totp.enabled(user) else None,
        required=two_factor_policy.is_required(user),
    ), status


@bp.route("/account/2fa")
@login_required
def two_factor():
    return _render_two_factor(_two_factor_user())


@bp.route("/account/2fa/enable", methods=["POST"])
@login_required
@limiter.limit(_limit, key_func=_user_key)
def two_factor_enable():
    user = _two_factor_user()
    form = TotpEnableForm()
    if totp.enabled(user):
        return redirect(url_for("account.two_factor"))
    secret = session.get(totp.SETUP_KEY)
    if not secret:
        form.code.errors = [SETUP_LOST]
    elif form.validate_on_submit():
        if not verify_password(user.password_hash, form.current_password.data):
            form.current_password.errors.append(WRONG_PASSWORD)
            services.refused("totp_change_failed", user_id=user.id, action="enable")
        elif (codes := services.enable_two_factor(user, secret, form.code.data)) is None:
            form.code.errors.append(WRONG_CODE)
        else:
            flash(
                _("2段階認証を有効にしました。次回のログインから確認コードが必要です。"), "success"
            )
            return _show_recovery_codes(codes)
    return _render_two_factor(user, enable_form=form, status=400)


@bp.route("/account/2fa/disable", methods=["POST"])
@login_required
@limiter.limit(_limit, key_func=_user_key)
def two_factor_disable():
    user = _two_factor_user()
    form = TotpDisableForm()
    if not totp.enabled(user):
        return redirect(url_for("account.two_factor"))
    if two_factor_policy.is_required(user):
        flash(_("このアカウントの種別では2段階認証が必須のため、無効にはできません。"), "warning")
        return redirect(url_for("account.two_factor"))
    if form.validate_on_submit():
        if not verify_password(user.password_hash, form.current_password.data):
            form.current_password.errors.append(WRONG_PASSWORD)
            services.refused("totp_change_failed", user_id=user.id, action="disable")
        elif not services.disable_two_factor(user, form.code.data):
            form.code.errors.append(WRONG_CODE)
        else:
            flash(_("2段階認証を無効にしました。"), "success")
            return redirect(url_for("account.index"))
    return _render_two_factor(user, disable_form=form, status=400)
