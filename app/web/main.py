"""Home page routing and the session keep-alive endpoints used by static/js/app.js."""

import time

from flask import Blueprint, current_app, jsonify, redirect, render_template, session
from flask_login import current_user

from app.web.guards import login_required, public
from app.web.home_routes import home_for_role

bp = Blueprint("main", __name__)


@bp.route("/")
@public
def home():
    if not current_user.is_authenticated:
        return render_template("home.html")
    return redirect(home_for_role(current_user))


def _expires_in() -> int:
    idle = current_app.config["SESSION_IDLE_SECONDS"]
    return max(0, int(session.get("last_seen", time.time()) + idle - time.time()))


@bp.route("/session/status")
@public
def session_status():
    # Does not count as activity (see auth/session.py), so polling never keeps a session alive.
    if not current_user.is_authenticated:
        return jsonify({"authenticated": False, "expires_in": 0})
    return jsonify({"authenticated": True, "expires_in": _expires_in()})


@bp.route("/session/extend", methods=["POST"])
@login_required
def session_extend():
    return jsonify({"authenticated": True, "expires_in": _expires_in()})
