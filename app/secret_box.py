"""Encryption at rest for TOTP secrets (Fernet: AES-128-CBC + HMAC-SHA256, from `cryptography`).

The key comes from TOTP_ENCRYPTION_KEY (required in production, app/config.py). Several
comma-separated keys allow rotation: the first encrypts, all decrypt. Outside production, with
no key set, one is derived from SECRET_KEY so `make run` needs no extra setting.

A copy of the database alone (a backup, a dump) therefore does not give anyone's second factor.

`cryptography` is imported on first use, not with the app: its Rust extension alone is ~8 MB of
resident memory in every web worker, and only 2FA set-up and sign-in need it (issue 16, worker
memory; bench/README.md).
"""

import base64
import hashlib

from flask import current_app


def _keys() -> list[bytes]:
    configured = current_app.config.get("TOTP_ENCRYPTION_KEY")
    if configured:
        return [k.strip().encode() for k in configured.split(",") if k.strip()]
    digest = hashlib.sha256(b"totp-secret-box:" + current_app.config["SECRET_KEY"].encode())
    return [base64.urlsafe_b64encode(digest.digest())]


def _box():
    from cryptography.fernet import Fernet, MultiFernet

    return MultiFernet([Fernet(key) for key in _keys()])


def encrypt(plaintext: str) -> str:
    return _box().encrypt(plaintext.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    """The plaintext; cryptography.fernet.InvalidToken if no configured key opened it."""
    return _box().decrypt(token.encode("ascii")).decode("utf-8")
