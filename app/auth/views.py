"""Sign-up, login and logout."""

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_limiter.util import get_remote_address
from flask_login import current_user, logout_user

from app.audit import record
from app.auth import known_device, services, throttle, totp
from app.auth import signup as signup_service
from app.auth.forms import ConfirmSignupForm, LoginForm, SignupForm
from app.auth.passwords import password_problems
from app.auth.users import (
    authenticate,
    normalise_email,
)
from app.extensions import limiter
from app.web.guards import login_required, public
from app.web.safe_redirect import safe_next_url
from app.web.security_headers import no_referrer

bp = Blueprint("auth", __name__)

LOGIN_FAILED = lazy_gettext("メールアドレスまたはパスワードが正しくありません。")
ACCOUNT_THROTTLED = lazy_gettext(
    "このアカウントへのログインの失敗が続いているため、一時的に制限しています。"
    "以前にログインしたことのある端末とブラウザからは、これまでどおりログインできます。"
    "それ以外の端末からは、しばらく時間をおいてお試しいただくか、パスワードを再設定してください。"
)


def _login_limit():
    return current_app.config["LOGIN_LIMITS"]


def _ip_limit():
    return current_app.config["LOGIN_IP_LIMITS"]


def _pair_key() -> str:
    # Per address AND account: wrong passwords from elsewhere do not slow the real user down.
    email = normalise_email(str(request.form.get("email", "")))
    return f"login-pair:{get_remote_address()}:{email}"


def _signup_address_key() -> str:
    # Each sign-up mails the address: at most LOGIN_LIMITS mails to one address.
    return "signup-address:" + normalise_email(str(request.form.get("email", "")))


@bp.route("/signup", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit, methods=["POST"])
@limiter.limit(_login_limit, methods=["POST"], key_func=_signup_address_key)
def signup():
    form = SignupForm()
    if form.validate_on_submit():
        problems = password_problems(form.password.data, (form.email.data, form.display_name.data))
        if problems:
            form.password.errors.append(" ".join(problems))
        else:
            # The same answer whether or not the address has an account (a mail tells which).
            signup_service.request_signup(
                form.email.data,
                form.display_name.data,
                form.password.data,
                safe_next_url(request.args.get("next")),
            )
            return redirect(url_for("auth.signup_sent"))
    return render_template("auth/signup.html", form=form)


@bp.route("/signup/sent")
@public
def signup_sent():
    return render_template("auth/signup_sent.html")


@bp.route("/signup/confirm/<token>", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit, methods=["POST"])
def signup_confirm(token):
    # A GET only shows the button, so a mail scanner opening the link uses nothing up.
    try:
        signup_service.pending(token)
    except signup_service.SignupError as exc:
        return no_referrer(render_template("auth/signup_invalid.html", message=str(exc)), 400)
    form = ConfirmSignupForm()
    if form.validate_on_submit():
        try:
            user, next_url = signup_service.confirm(token)
        except signup_service.SignupError as exc:
            return no_referrer(render_template("auth/signup_invalid.html", message=str(exc)), 400)
        services.start_new_account_session(user)
        if next_url and safe_next_url(next_url):  # e.g. back to the invitation link
            flash(_("アカウントを作成しました。"), "success")
            return redirect(safe_next_url(next_url))
        flash(_("アカウントを作成しました。続いて会社情報を登録してください。"), "success")
        return redirect(url_for("companies.new"))
    return no_referrer(render_template("auth/signup_confirm.html", form=form), 200)


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(_ip_limit, methods=["POST"])
@limiter.limit(_login_limit, methods=["POST"], key_func=_pair_key)
def login():
    if current_user.is_authenticated and request.method == "GET":
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data
        user = authenticate(email, form.password.data)
        under_attack = throttle.account_under_attack(email)
        if user is None:
            throttle.count_failure(email)
        if under_attack and not (user and (known_device.is_known(user) or totp.enabled(user))):
            # The same answer for a wrong and a right password: the limit leaks nothing.
            record("login_throttled", details={"email": normalise_email(email)[:254]}, commit=True)
            form.password.errors.append(ACCOUNT_THROTTLED)
            return render_template("auth/login.html", form=form), 429
        if user is None:
            record(
                "login_failed",
                details={"email": normalise_email(email)[:254]},
                commit=True,
            )
            form.password.errors.append(LOGIN_FAILED)
        elif totp.enabled(user):  # password right; not logged in until the code is too
            totp.begin_pending_login(user, safe_next_url(request.args.get("next")))
            record("login_password_ok", user_id=user.id, commit=True)
            return redirect(url_for("account.login_2fa"))
        else:
            services.log_in(user)
            response = redirect(safe_next_url(request.args.get("next")) or url_for("main.home"))
            known_device.remember(response, user)
            return response
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    user = current_user._get_current_object()
    services.log_out(user)
    logout_user()
    from flask import session

    session.clear()
    flash(_("ログアウトしました。"), "info")
    response = make_response(redirect(url_for("auth.login")))
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response
