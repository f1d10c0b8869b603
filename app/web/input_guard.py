"""One check of every request's raw input, before the CSRF check, a form or a view reads it.

Browsers post this application's forms as application/x-www-form-urlencoded, in UTF-8, with
each field once. Anything else is refused here with a 4xx and a clear message, instead of being
silently altered (Werkzeug re-quotes invalid UTF-8 as a literal "%FF" and WTForms keeps the
first of repeated fields) or reaching a view it would crash (a JSON number where a form field
holds text, a file part in a text field, a NUL byte that PostgreSQL text cannot hold).
Ids in URLs are bounded by IdConverter, registered as the "int" converter.
"""

import re

from flask import current_app, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from werkzeug.routing import IntegerConverter

from app.web.errors import render_error
from app.web.problem import is_api_request

FORM_MIMETYPE = "application/x-www-form-urlencoded"
BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
DB_INT_MAX = 2**31 - 1  # PostgreSQL integer; SQLite's 64-bit ids stay far below it too

UNSUPPORTED_BODY = lazy_gettext(
    "この形式の送信には対応していません。画面のフォームから送信してください。"
)
BAD_ENCODING = lazy_gettext("送信された文字の符号化（UTF-8）が正しくありません。")
CONTROL_CHARACTER = lazy_gettext("使用できない制御文字が含まれています。")
# C0 and C1 control characters and DEL (tab and line breaks are ordinary): refused anywhere in
# a URL. In a form body only NUL is refused here, as PostgreSQL text cannot hold it; the others
# are refused by the fields' validators, next to the field, with what was typed kept (text
# pasted from a word processor can carry a vertical tab).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class IdConverter(IntegerConverter):
    """A database id: ASCII digits only (Werkzeug's default also takes "٤"), 1 to 2**31-1, so
    an id beyond the column's range is a 404 like any other unknown id, never a driver error."""

    regex = r"[0-9]{1,10}"

    def __init__(self, map, fixed_digits=0, min=1, max=DB_INT_MAX, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


# A run of percent-escapes of bytes 0x80-0xFF: where a UTF-8 character was escaped (ASCII
# bytes cannot be part of a multi-byte character, so each run must decode on its own).
ESCAPED_HIGH_BYTES = re.compile(rb"(?:%[89A-Fa-f][0-9A-Fa-f])+")


def _valid_utf8(raw: bytes) -> bool:
    """Whether the body or query string is UTF-8 once percent-decoded. Werkzeug would keep
    invalid bytes re-quoted as a literal "%FF"; this refuses them instead. Decoding only the
    escaped runs (in C, via bytes.fromhex) is several times faster than unquote_to_bytes over
    the whole body, which was ~3 % of a step save (bench/README.md, step save)."""
    try:
        raw.decode("utf-8")  # bytes sent unescaped must be UTF-8 themselves
        for run in ESCAPED_HIGH_BYTES.findall(raw):
            bytes.fromhex(run.replace(b"%", b" ").decode("ascii")).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _path_problem() -> tuple[int, str | None] | None:
    # PATH_INFO holds the percent-decoded path as latin-1 characters (PEP 3333).
    try:
        request.environ.get("PATH_INFO", "").encode("latin-1").decode("utf-8")
    except UnicodeError:
        return 400, BAD_ENCODING
    if any(CONTROL.search(v) for v in (request.view_args or {}).values() if isinstance(v, str)):
        return 404, None  # no page, token or id has a control character in it
    return None


def _query_problem() -> tuple[int, str] | None:
    if not _valid_utf8(request.query_string):
        return 400, BAD_ENCODING
    if any(CONTROL.search(k + v) for k, v in request.args.items(multi=True)):
        return 400, CONTROL_CHARACTER
    return None


UPLOAD_MIMETYPE = "multipart/form-data"
BAD_UPLOAD = lazy_gettext(
    "ファイルの送信の形式が正しくありません。画面のフォームから送信してください。"
)


def accepts_files(*field_names: str):
    """Mark a view that takes a multipart upload with exactly these file fields (one file
    each at most); its text fields get the same checks as a form-encoded body's."""

    def mark(view):
        view.accepted_file_fields = frozenset(field_names)
        return view

    return mark


def _upload_problem(accepted: frozenset[str]) -> tuple[int, str] | None:
    for key in request.files:
        if key not in accepted or len(request.files.getlist(key)) > 1:
            return 400, BAD_UPLOAD
    return _fields_problem()


def _fields_problem() -> tuple[int, str] | None:
    for key, values in request.form.lists():
        if CONTROL.search(key) or any("\x00" in v for v in values):
            return 400, CONTROL_CHARACTER
        if len(values) > 1:
            return 400, _("同じ項目に複数の値が送信されました: %(field)s", field=key[:40])
    return None


def _body_problem() -> tuple[int, str] | None:
    if request.method not in BODY_METHODS or is_api_request():
        return None  # the JSON API reads and checks its own (JSON) bodies
    if request.mimetype == UPLOAD_MIMETYPE:
        view = current_app.view_functions.get(request.endpoint)
        accepted = getattr(view, "accepted_file_fields", None)
        if accepted:
            return _upload_problem(accepted)
    if request.mimetype != FORM_MIMETYPE:
        # A body of any other type (JSON, multipart with file parts, text) is refused; an
        # empty POST such as the session keep-alive's is fine.
        if request.content_length or request.mimetype:
            return 415, UNSUPPORTED_BODY
        return None
    if not _valid_utf8(request.get_data(cache=True)):
        return 400, BAD_ENCODING
    return _fields_problem()


def _check_request():
    if request.endpoint in (None, "static"):
        return None  # a 404 or a static file: no view reads the input
    refused = _path_problem() or _query_problem() or _body_problem()
    if refused:
        return render_error(*refused)
    return None


def init_app(app) -> None:
    """Must run before any blueprint is registered (the converter) and before the session and
    CSRF hooks (they read the form)."""
    app.url_map.converters["int"] = IdConverter
    app.before_request(_check_request)
