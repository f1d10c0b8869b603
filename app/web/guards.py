"""Access guards for views. Every view carries exactly one, and a test enforces that.

`public` marks views anyone may call; `login_required` and `roles_required` wrap Flask-Login.
Row-level rules (which company a user may see) live in app/access.py.
"""

from functools import wraps

from flask import abort
from flask_login import current_user
from flask_login import login_required as _flask_login_required


def public(view):
    view.access_guard = "public"
    return view


def login_required(view):
    wrapped = _flask_login_required(view)
    wrapped.access_guard = "login"
    return wrapped


def roles_required(*roles: str):
    def decorator(view):
        @wraps(view)
        def inner(*args, **kwargs):
            if current_user.role not in roles:
                abort(404)  # no existence leaks: a page for another role looks like no page
            return view(*args, **kwargs)

        wrapped = _flask_login_required(inner)
        wrapped.access_guard = "roles:" + ",".join(roles)
        return wrapped

    return decorator
