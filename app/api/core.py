"""The API's blueprint and the plumbing of every API request: token authentication, problem
details, the body check, ETags, cursors, throttling. It imports neither pydantic nor Spectree
(spec.py, loaded with the views on the first API request: see routes.py)."""

import base64
import hashlib
from functools import wraps
from typing import TYPE_CHECKING

from flask import Blueprint, current_app, g, request
from flask_login import current_user
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.routing import BaseConverter

from app.api import tokens
from app.extensions import csrf, limiter, login_manager
from app.web.input_guard import DB_INT_MAX
from app.web.problem import API_PREFIX, problem

if TYPE_CHECKING:
    from app.api.schemas import PageQuery

bp = Blueprint("api", __name__, url_prefix="/api/v1")

JSON_MIMETYPES = ("application/json", "application/merge-patch+json")


class ApiProblem(HTTPException):
    """abort() with a problem code, a detail and optional field errors."""

    def __init__(self, status: int, detail: str, code=None, errors=None, headers=None):
        super().__init__(description=detail)
        self.code = status
        self.problem_code = code
        self.errors = errors
        self.extra_headers = headers or {}


# -- authentication ----------------------------------------------------------------------------


def _authenticate():
    """Runs first on every request: under /api/ the user is the token's, or nobody. The
    session cookie is never read there, which is why the API is exempt from CSRF."""
    if not request.path.startswith(API_PREFIX):
        return None
    g.api_request = True
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    user = None
    if scheme.lower() == "bearer" and secret.strip():
        user = tokens.authenticate(secret.strip())
    g._login_user = user or login_manager.anonymous_user()
    return None


def token_required(view):
    @wraps(view)
    def inner(*args, **kwargs):
        if not current_user.is_authenticated:
            raise ApiProblem(
                401,
                "有効なAPIトークンが必要です（期限切れ・取り消し済みのトークンは使えません）。",
                "unauthorized",
                headers={"WWW-Authenticate": 'Bearer realm="api"'},
            )
        return view(*args, **kwargs)

    inner.access_guard = "token"
    return inner


def public(view):
    view.access_guard = "public"
    return view


def _token_key() -> str:
    """The throttle's bucket: the presented token (hashed), else the client address."""
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and secret.strip():
        return "api-token:" + tokens.hash_secret(secret.strip())[:32]
    return "api-ip:" + (request.remote_addr or "")


def _token_limits() -> str:
    return current_app.config["API_TOKEN_LIMITS"]


def _ip_limits() -> str:
    return current_app.config["API_IP_LIMITS"]


# -- bodies, ETags, cursors ----------------------------------------------------------------------


@bp.before_request
def _check_body():
    if request.method not in ("POST", "PUT", "PATCH"):
        return None
    if not request.content_length and not request.mimetype:
        return None  # no body: the operation's defaults apply
    if request.mimetype not in JSON_MIMETYPES:
        raise ApiProblem(
            415, "本文は application/json で送ってください。", "unsupported_media_type"
        )
    try:
        request.get_json(force=False, silent=False, cache=True)
    except RequestEntityTooLarge:
        raise
    except HTTPException:
        raise ApiProblem(400, "本文をJSONとして読めません。", "malformed_json") from None
    return None


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def json_response(model, status: int = 200, headers=None):
    """A JSON response whose ETag is the digest of exactly these bytes."""
    body = model.model_dump_json().encode("utf-8")
    response = current_app.response_class(body, status=status, mimetype="application/json")
    response.headers["ETag"] = etag_of(body)
    response.headers["Cache-Control"] = "private, no-cache"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


@bp.after_request
def _conditional(response):
    response.headers.setdefault("Cache-Control", "private, no-cache")
    response.headers["Vary"] = "Authorization"
    if request.method == "GET" and response.status_code == 200 and "ETag" in response.headers:
        tags = request.if_none_match
        etag = response.headers["ETag"].strip('"')
        if tags and (tags.contains_weak(etag) or tags.star_tag):
            response.status_code = 304
            response.set_data(b"")
            response.headers.pop("Content-Type", None)
            response.headers.pop("Content-Length", None)
    return response


def encode_cursor(value) -> str:
    return base64.urlsafe_b64encode(str(value).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, kind=int):
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        value = kind(raw)
        if kind is int and not 0 <= value <= DB_INT_MAX:
            raise ValueError(raw)
        return value
    except (ValueError, UnicodeDecodeError):
        raise ApiProblem(
            422,
            "cursor が正しくありません。前のページの next_cursor をそのまま送ってください。",
            "validation_error",
            [{"pointer": "#/query/cursor", "detail": "not a cursor of this list"}],
        ) from None


def page_of(rows, query: "PageQuery", key):
    """The first `limit` rows and the cursor of the next page (rows are fetched limit+1)."""
    rows = list(rows)
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    return rows, (encode_cursor(key(rows[-1])) if more and rows else None)


class ApiIdConverter(BaseConverter):
    """Ids in API paths: any ASCII digits match, and ids outside the integer column (0, 2**31)
    are a 404 problem in _bounded_ids. (The pages' bounded "int" converter refuses them while
    matching, which Werkzeug reports as 405 when another method's rule shares the path.)"""

    regex = r"[0-9]{1,20}"

    def to_python(self, value):
        return int(value)

    def to_url(self, value):
        return str(int(value))


@bp.url_value_preprocessor
def _bounded_ids(_endpoint, values):
    for name, value in (values or {}).items():
        if name.endswith("_id") and not 1 <= value <= DB_INT_MAX:
            raise ApiProblem(404, "見つかりません。", "not_found")


def init_auth(app) -> None:
    """Before any other before_request hook: who the user is under /api/ is settled first."""
    app.url_map.converters["api_id"] = ApiIdConverter
    app.before_request(_authenticate)


def register(app) -> None:
    """The blueprint, after input_guard has installed the bounded "int" converter (an id past
    the integer column is a 404, never a database error)."""
    csrf.exempt(bp)
    # Shared: one budget per token (and per address) across every operation, as the README
    # promises, not one per operation.
    limiter.shared_limit(_token_limits, scope="api-token", key_func=_token_key)(bp)
    limiter.shared_limit(_ip_limits, scope="api-ip")(bp)
    from app.api import routes  # noqa: F401 - the rules on bp; their views load on first use

    app.register_blueprint(bp)

    @app.errorhandler(ApiProblem)
    def _api_problem(exc: ApiProblem):
        return problem(
            exc.code,
            exc.description,
            code=exc.problem_code,
            errors=exc.errors,
            headers=exc.extra_headers,
        )
