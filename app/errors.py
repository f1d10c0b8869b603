"""Error pages: generic text, no stack traces, and a request POST is never silently dropped."""

import logging

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError
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


def init_app(app):
    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        from app.audit import record
        from app.auth.session import remember_stash, stash_post
        from app.extensions import db

        db.session.rollback()
        record("csrf_failure", details={"path": request.path[:200]}, commit=True)
        user_id = current_user.id if current_user.is_authenticated else None
        stash_id = stash_post(user_id)
        if stash_id:
            # A step form with an invalid or missing token: keep what was typed and show it again.
            remember_stash(stash_id)
            flash(
                "セキュリティ確認のため、入力内容はまだ保存されていません。内容を確認して、もう一度保存してください。",
                "warning",
            )
            return redirect(request.path)
        return render_error(
            400,
            "フォームの有効期限が切れたか、不正な送信です。ページを再読み込みしてもう一度お試しください。",
        )

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
