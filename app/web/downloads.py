"""Headers of file downloads."""

from urllib.parse import quote


def content_disposition(ascii_name: str, utf8_name: str) -> str:
    """RFC 6266 / RFC 5987: a quoted ASCII fallback plus the percent-encoded UTF-8 name."""
    fallback = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\;' else "_" for c in ascii_name
    )
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(utf8_name, safe='')}"
