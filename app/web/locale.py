"""Which language a page is shown in: Japanese unless the request asks for English with
`?lang=en`. Minimal on purpose; the full selector (stored choice, cookie, Accept-Language)
replaces it."""

from flask import has_request_context, request

SUPPORTED = ("ja", "en")
DEFAULT = "ja"


def select_locale() -> str:
    # Lazy strings may be rendered with only an app context (CLI, mails from a timer, tests).
    if not has_request_context():
        return DEFAULT
    value = request.args.get("lang", "")
    return value if value in SUPPORTED else DEFAULT
