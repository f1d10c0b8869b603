"""PDF documents rendered on the server from the app's own HTML and CSS (WeasyPrint).

Any feature renders a template made for print (templates/pdf/base.html) and passes the HTML
here; ``pdf_response`` sends it as a download. The results report uses it; an advisor's
meeting report can do the same.

- Fonts: WeasyPrint finds them through fontconfig. The stylesheet asks for "Noto Sans CJK JP"
  (Debian's fonts-noto-cjk), and WeasyPrint embeds the subset of each font a document uses, so
  the PDF reads the same on a machine without Japanese fonts.
- No network and no file system: the URL fetcher serves files under the app's static folder
  only, and refuses everything else (a document never loads what a page's text names).
- Charts: WeasyPrint draws inline SVG, but the document's stylesheet does not reach inside an
  <svg>; each one gets app/static/css/svg-print.css (plain colours, no CSS variables) as its
  own <style> element. Only the PDF gets it: browsers refuse inline styles under the CSP.
"""

import logging
import mimetypes
import os
import re
from functools import cache
from io import BytesIO
from urllib.parse import quote, urlsplit

from flask import current_app, has_request_context, request, send_file
from werkzeug.security import safe_join

SVG_STYLESHEET = "css/svg-print.css"
_BASE_URL = "http://pdf.invalid/"  # relative links resolve here; nothing is fetched from it
# The templates' own opening tags: user text is escaped, so "<svg" never comes from it.
_SVG_OPEN = re.compile(r"(<svg\b[^>]*>)")


# app.css is the browsers' stylesheet too: WeasyPrint warns about each of its screen-only media
# queries and SVG properties on every document. Keep its errors (a refused or missing file).
logging.getLogger("weasyprint").setLevel(logging.ERROR)


class RefusedFetch(ValueError):
    """A URL a PDF document may not load (anything but the app's static files)."""


def _static_fetcher(static_folder: str, static_url_path: str):
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    prefix = static_url_path.rstrip("/") + "/"

    class StaticFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            path = urlsplit(url).path
            if url.startswith(_BASE_URL) and path.startswith(prefix):
                local = safe_join(static_folder, path[len(prefix) :])
                if local and os.path.isfile(local):
                    with open(local, "rb") as f:
                        body = f.read()
                    mime = mimetypes.guess_type(local)[0] or "application/octet-stream"
                    return URLFetcherResponse(url, body, {"Content-Type": mime})
            raise RefusedFetch(f"PDF documents load only the app's static files, not {url!r}")

    return StaticFetcher()


@cache
def _svg_style(path: str) -> str:
    with open(path, encoding="utf-8") as f:
        css = f.read()
    if "<" in css or ">" in css:  # inside an svg, a style element's text is parsed as markup
        raise ValueError(f"{path}: no angle brackets allowed (selectors or comments)")
    return f"<style>{css}</style>"


def _with_svg_styles(html: str) -> str:
    style = _svg_style(os.path.join(current_app.static_folder, SVG_STYLESHEET))
    return _SVG_OPEN.sub(lambda m: m.group(1) + style, html)


def render_pdf(html: str) -> bytes:
    """The PDF of ``html`` (a whole document whose stylesheets are the app's static files)."""
    import weasyprint  # imported when first used: it loads Pango, which a worker may never need

    script_root = request.script_root if has_request_context() else ""
    static_path = current_app.static_url_path
    document = weasyprint.HTML(
        string=_with_svg_styles(html),
        base_url=_BASE_URL,
        url_fetcher=_static_fetcher(current_app.static_folder, script_root + static_path),
    )
    return document.write_pdf()


_UNSAFE_IN_NAMES = re.compile(r'[\\/:*?"<>|\s]+')


def file_name_part(text: str) -> str:
    """``text`` (a company name) fit for a downloaded file's name on every system."""
    return _UNSAFE_IN_NAMES.sub("_", text)


def pdf_response(pdf: bytes, filename: str, ascii_filename: str = "report.pdf"):
    """``pdf`` as a download named ``filename`` (UTF-8, RFC 6266), ``ascii_filename`` for
    clients that read only the plain parameter."""
    response = send_file(BytesIO(pdf), mimetype="application/pdf", max_age=0)
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_filename}\"; filename*=UTF-8''{quote(filename, safe='')}"
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
