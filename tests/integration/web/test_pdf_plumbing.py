"""app/web/pdf.py: a PDF document loads the app's static files and nothing else (no other
host, no file system), and each inline chart gets its colours."""

import pytest

from app.web import pdf


@pytest.fixture()
def fetcher(app):
    with app.test_request_context():
        return pdf._static_fetcher(app.static_folder, app.static_url_path)


def test_static_files_are_served_from_the_static_folder(fetcher):
    response = fetcher(pdf._BASE_URL + "static/css/app.css?v=1")
    assert response.headers.get_content_type() == "text/css"
    assert b".panel" in response.read()


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://example.com/static/css/app.css",
        pdf._BASE_URL + "static/../app/__init__.py",
        pdf._BASE_URL + "static/css/missing.css",
        pdf._BASE_URL + "companies/1",
        "data:text/css,body{}",
    ],
)
def test_everything_else_is_refused(fetcher, url):
    with pytest.raises(pdf.RefusedFetch):
        fetcher(url)


def test_each_inline_svg_gets_the_chart_styles(app):
    html = '<p>&lt;svg&gt;</p><svg viewBox="0 0 1 1"><polygon class="ring"/></svg><svg><g/></svg>'
    with app.test_request_context():
        out = pdf._with_svg_styles(html)
    assert out.count("<style>") == 2  # the escaped text is not an svg
    assert out.startswith('<p>&lt;svg&gt;</p><svg viewBox="0 0 1 1"><style>')


def test_a_document_with_a_foreign_image_still_renders(app):
    html = (
        '<!doctype html><html lang="ja"><body><h1>会社名</h1>'
        '<img src="http://example.com/x.png" alt=""><img src="file:///etc/passwd" alt="">'
        "</body></html>"
    )
    with app.test_request_context():
        data = pdf.render_pdf(html)
    assert data.startswith(b"%PDF-")
