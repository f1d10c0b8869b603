"""The account page's API tokens: create (the value is shown once, on the answer to the
POST, never stored), and revoke. The list itself is on account.index."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from app.api import tokens
from app.api.forms import TokenForm
from app.web.forms import ConfirmForm
from app.web.guards import login_required

bp = Blueprint("api_tokens", __name__)


@bp.route("/account/tokens", methods=["POST"])
@login_required
def create():
    form = TokenForm()
    if not form.validate_on_submit():
        messages = [e for errors in form.errors.values() for e in errors]
        flash("APIトークンを発行できませんでした: " + " ".join(messages), "warning")
        return redirect(url_for("account.index")), 303
    created = tokens.create_token(current_user, form.name.data, form.expires_days.number)
    response = render_template("api/token_created.html", created=created)
    return response, 200, {"Cache-Control": "no-store"}


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke(token_id):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if tokens.revoke_token(current_user, token_id):
        flash("APIトークンを取り消しました。このトークンはもう使えません。", "success")
    else:
        abort(404)  # not one of this user's active tokens
    return redirect(url_for("account.index"))
