"""Error pages: generic text, no stack traces. (A refused CSRF token is handled by
app.auth.session, which keeps a step form's input.)"""

import logging
import math
import time
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from app.web.problem import is_api_request, problem

JST = ZoneInfo("Asia/Tokyo")

log = logging.getLogger(__name__)

MESSAGES = {
    400: lazy_gettext("リクエストの内容が正しくありません。"),
    401: lazy_gettext(
        "認証が必要です。有効なAPIトークンを Authorization: Bearer で送ってください。"
    ),
    403: lazy_gettext("この操作を行う権限がありません。"),
    404: lazy_gettext("ページが見つかりません。"),
    405: lazy_gettext("この方法ではアクセスできません。"),
    409: lazy_gettext("他の操作と競合しました。"),
    412: lazy_gettext(
        "対象は他の操作で更新されています。最新の状態を取得してからやり直してください。"
    ),
    413: lazy_gettext("送信されたデータが大きすぎます。"),
    415: lazy_gettext("この形式の送信には対応していません。"),
    422: lazy_gettext("入力内容に誤りがあります。"),
    428: lazy_gettext("更新には If-Match ヘッダー（取得時の ETag）が必要です。"),
    429: lazy_gettext(
        "短時間に多くのリクエストがありました。しばらく待ってからもう一度お試しください。"
    ),
    500: lazy_gettext("システムエラーが発生しました。"),
    503: lazy_gettext("一時的にご利用いただけません。"),
}


def render_error(code: int, message: str | None = None):
    if is_api_request():
        return problem(code, message or MESSAGES.get(code, _("エラーが発生しました。")))
    return render_template(
        "errors/error.html",
        code=code,
        message=message or MESSAGES.get(code, _("エラーが発生しました。")),
    ), code


DB_UNAVAILABLE = lazy_gettext(
    "データベースに一時的に接続できません。しばらく待ってからもう一度お試しください。"
    "送信した内容は保存されていません。ブラウザの「戻る」で入力した画面に戻れます。"
)

CSRF_MESSAGE = lazy_gettext(
    "フォームの有効期限が切れたか、不正な送信です。ページを再読み込みしてもう一度お試しください。"
)


def retry_after_seconds() -> int | None:
    """Seconds until the limit this request broke resets (Flask-Limiter's window), if known."""
    from app.extensions import limiter

    current = limiter.current_limit
    if current is None or not current.breached:
        return None
    return max(1, int(current.reset_at - time.time()))  # as Flask-Limiter's own header


def retry_message(seconds: int) -> str:
    """'約3分後（14:05頃）にもう一度お試しください。' with the clock time in JST."""
    at = datetime.fromtimestamp(time.time() + seconds, JST)
    if seconds < 60:
        return _(
            "短時間に多くのリクエストがありました。約%(seconds)d秒後（%(time)s頃）に"
            "もう一度お試しください。",
            seconds=seconds,
            time=f"{at:%H:%M}",
        )
    return _(
        "短時間に多くのリクエストがありました。約%(minutes)d分後（%(time)s頃）に"
        "もう一度お試しください。",
        minutes=math.ceil(seconds / 60),
        time=f"{at:%H:%M}",
    )


def too_many_requests():
    seconds = retry_after_seconds()
    if seconds is None:
        return render_error(429)
    body, status = render_error(429, retry_message(seconds))
    return body, status, {"Retry-After": str(seconds)}


def api_http_error(exc: HTTPException):
    """An HTTP error under /api/ as problem+json; a description set with abort(code, text)
    is the detail, Werkzeug's English default text is replaced by ours."""
    code = exc.code or 500
    detail = MESSAGES.get(code, _("エラーが発生しました。"))
    if exc.description and exc.description != type(exc).description:
        detail = exc.description
    headers = {}
    if code == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="api"'
    if code == 405 and getattr(exc, "valid_methods", None):
        headers["Allow"] = ", ".join(sorted(exc.valid_methods))
    if code == 429:
        seconds = retry_after_seconds()
        if seconds is not None:
            detail = retry_message(seconds)
            headers["Retry-After"] = str(seconds)
    return problem(code, detail, code=getattr(exc, "problem_code", None), headers=headers)


def init_app(app):
    @app.errorhandler(HTTPException)
    def http_error(exc):
        if is_api_request():
            return api_http_error(exc)
        if exc.code == 401:
            return redirect(url_for("auth.login"))
        if exc.code == 429:
            return too_many_requests()
        return render_error(exc.code or 500)

    @app.errorhandler(OperationalError)
    def database_unavailable(exc):
        # The database went away or stayed locked: not a bug of the page. The transaction is
        # rolled back (nothing half-written) and the next request gets a checked connection.
        log.warning("database unavailable on %s: %s", request.path, exc.orig)
        from app.extensions import db

        db.session.rollback()
        if is_api_request():
            return problem(503, DB_UNAVAILABLE, headers={"Retry-After": "10"})
        body, status = render_error(503, DB_UNAVAILABLE)
        return body, status, {"Retry-After": "10"}

    @app.errorhandler(Exception)
    def unexpected(exc):
        log.exception("unhandled error on %s", request.path)
        from app.extensions import db

        db.session.rollback()
        return render_error(500)
