from urllib.parse import urlsplit


def safe_next_url(target: str | None) -> str | None:
    """Accept only a same-site relative path, so `next=` cannot send users elsewhere."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(c) < 32 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
