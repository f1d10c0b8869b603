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
from flask_login import current_user, logout_user

from app.audit import record
from app.auth import totp
from app.auth.forms import LoginForm, SignupForm
from app.auth.users import (
    UserError,
    authenticate,
    create_user,
    end_all_sessions,
    normalise_email,
    start_session,
)
from app.extensions import db, limiter
from app.web.guards import login_required, public
from app.web.safe_redirect import safe_next_url

bp = Blueprint("auth", __name__)

LOGIN_FAILED = "メールアドレスまたはパスワードが正しくありません。"


def _login_limit():
    return current_app.config["LOGIN_LIMITS"]


def _account_key() -> str:
    return "login-account:" + normalise_email(request.form.get("email", ""))


@bp.route("/signup", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit, methods=["POST"])
def signup():
    form = SignupForm()
    if form.validate_on_submit():
        try:
            user = create_user(
                form.email.data, form.password.data, display_name=form.display_name.data
            )
        except UserError as exc:
            form.password.errors.append(str(exc))
        else:
            record("signup", user_id=user.id)
            start_session(user)
            db.session.commit()
            next_url = safe_next_url(request.args.get("next"))
            if next_url:  # e.g. back to the invitation link that sent the user here
                flash("アカウントを作成しました。", "success")
                return redirect(next_url)
            flash("アカウントを作成しました。続いて会社情報を登録してください。", "success")
            return redirect(url_for("companies.new"))
    return render_template("auth/signup.html", form=form)


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit, methods=["POST"])
@limiter.limit(_login_limit, methods=["POST"], key_func=_account_key)
def login():
    if current_user.is_authenticated and request.method == "GET":
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is None:
            record(
                "login_failed",
                details={"email": normalise_email(form.email.data)[:254]},
                commit=True,
            )
            form.password.errors.append(LOGIN_FAILED)
        elif totp.enabled(user):  # password right; not logged in until the code is too
            totp.begin_pending_login(user, safe_next_url(request.args.get("next")))
            record("login_password_ok", user_id=user.id, commit=True)
            return redirect(url_for("account.login_2fa"))
        else:
            start_session(user)
            record("login", user_id=user.id)
            db.session.commit()
            return redirect(safe_next_url(request.args.get("next")) or url_for("main.home"))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    user = current_user._get_current_object()
    end_all_sessions(user)  # every copy of the session cookie stops working
    record("logout", user_id=user.id)
    db.session.commit()
    logout_user()
    from flask import session

    session.clear()
    flash("ログアウトしました。", "info")
    response = make_response(redirect(url_for("auth.login")))
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response
