"""Absolute links for e-mails.

url_for(_external=True) takes the host from the request's Host header, which a client controls:
a forged header would put an attacker's site into a password-reset mail. With PUBLIC_BASE_URL
set (production refuses to start without it, app/config.py), links use that origin instead.
"""

from flask import current_app, url_for


def external_url(endpoint: str, **values) -> str:
    base = current_app.config.get("PUBLIC_BASE_URL")
    if base:
        return base.rstrip("/") + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)  # development and tests only
