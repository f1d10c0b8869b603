"""Error pages: generic text, no stack traces. (A refused CSRF token is handled by
app.auth.session, which keeps a step form's input.)"""

import logging

from flask import redirect, render_template, request, url_for
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

MESSAGES = {
    400: "リクエストの内容が正しくありません。",
    403: "この操作を行う権限がありません。",
    404: "ページが見つかりません。",
    405: "この方法ではアクセスできません。",
    409: "他の操作と競合しました。",
    413: "送信されたデータが大きすぎます。",
    429: "短時間に多くのリクエストがありました。しばらく待ってからもう一度お試しください。",
    500: "システムエラーが発生しました。",
    503: "一時的にご利用いただけません。",
}


def render_error(code: int, message: str | None = None):
    return render_template(
        "errors/error.html",
        code=code,
        message=message or MESSAGES.get(code, "エラーが発生しました。"),
    ), code


CSRF_MESSAGE = (
    "フォームの有効期限が切れたか、不正な送信です。ページを再読み込みしてもう一度お試しください。"
)


def init_app(app):
    @app.errorhandler(HTTPException)
    def http_error(exc):
        if exc.code == 401:
            return redirect(url_for("auth.login"))
        return render_error(exc.code or 500)

    @app.errorhandler(Exception)
    def unexpected(exc):
        log.exception("unhandled error on %s", request.path)
        from app.extensions import db

        db.session.rollback()
        return render_error(500)
