"""RFC 9457 problem details: the one shape of every 4xx/5xx answer under the JSON API.

    {"type": "about:blank" | "https://.../problems/<code>", "title": ..., "status": ...,
     "detail": ..., "code": ..., "errors": [{"pointer": "/answers/0/current", "detail": ...}]}

`code` is a stable machine-readable name; `errors` appears for validation failures, one entry
per field with a JSON Pointer (RFC 6901) into the request body (or `#/query/...`, `#/header/...`).
"""

from flask import g, json, request

API_PREFIX = "/api/"
PROBLEM_MIMETYPE = "application/problem+json"

TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    412: "Precondition Failed",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    428: "Precondition Required",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}
CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    412: "precondition_failed",
    413: "content_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    428: "precondition_required",
    429: "too_many_requests",
    500: "internal_error",
    503: "unavailable",
}


def is_api_request() -> bool:
    """True for every request under /api/, matched to a view or not (404, 405)."""
    return bool(g.get("api_request")) or request.path.startswith(API_PREFIX)


def problem(status: int, detail: str, *, code: str | None = None, errors=None, headers=None):
    """A Flask response tuple with an application/problem+json body."""
    body = {
        "type": "about:blank",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": str(detail),  # may be a lazy translation
        "code": code or CODES.get(status, "error"),
    }
    if errors is not None:
        body["errors"] = errors
    response_headers = {"Content-Type": PROBLEM_MIMETYPE, "Cache-Control": "no-store"}
    response_headers.update(headers or {})
    return json.dumps(body, ensure_ascii=False), status, response_headers
