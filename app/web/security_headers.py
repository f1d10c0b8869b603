"""Security headers on every response, error pages and downloads included."""

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


def no_referrer(body, status):
    """A page whose URL holds a secret token: the browser never sends the URL on, not even to
    our own pages."""
    return body, status, {"Referrer-Policy": "no-referrer"}


def init_app(app):
    @app.after_request
    def set_headers(response):
        h = response.headers
        h.setdefault("Content-Security-Policy", CSP)
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        h.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        h.setdefault("X-Frame-Options", "DENY")
        if app.config.get("HSTS"):
            h.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if response.mimetype == "text/html" or response.mimetype == "application/json":
            # Pages show confidential answers; nothing is cached by the browser or proxies.
            h.setdefault("Cache-Control", "no-store")
        return response
