"""Security headers on every response, error pages and downloads included."""

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


def no_referrer(body, status):
    """A page whose URL holds a secret token: the browser never sends the URL on, not even to
    our own pages."""
    return body, status, {"Referrer-Policy": "no-referrer"}


ALWAYS = (
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
)
HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
# Pages show confidential answers; nothing is cached by the browser or proxies.
NO_STORE = ("Cache-Control", "no-store")
NO_STORE_TYPES = frozenset({"text/html", "application/json"})


def init_app(app):
    @app.after_request
    def set_headers(response):
        """Each header unless the response set its own (one pass over the headers: Werkzeug's
        setdefault scans them and raises a KeyError per missing header, issue 16)."""
        h = response.headers
        present = {key.lower() for key, _value in h.items()}
        wanted = ALWAYS
        if app.config.get("HSTS"):
            wanted += (HSTS,)
        if response.mimetype in NO_STORE_TYPES:
            wanted += (NO_STORE,)
        for name, value in wanted:
            if name.lower() not in present:
                h.add(name, value)
        return response
