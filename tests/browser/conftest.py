"""A real server on 127.0.0.1 and Debian's Chromium driven by Playwright.

Without Chromium the browser tests are skipped locally; in CI (CI=true) they fail instead,
because .ci/run installs Chromium and the journey must really run there.
Every page a test visits must be checked with axe-core (tests/browser/axe.py): the ``page``
fixture fails the test when one was not.
"""

import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from tests.browser.axe import AXE_JS, checked_pages, page_key

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium_path():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"Chromium not found at {CHROMIUM}: CI requires the browser tests")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    return CHROMIUM


@pytest.fixture()
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture()
def page(chromium_path, tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 900})
        if not AXE_JS.exists():
            pytest.fail(f"{AXE_JS} is missing: run `npm ci` (make test does)")
        context.add_init_script(path=str(AXE_JS))
        page = context.new_page()
        page.set_default_timeout(15000)
        errors = []
        visited = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.on(
            "framenavigated",
            lambda frame: (
                visited.append(page_key(frame.url))
                if frame.parent_frame is None and frame.url.startswith("http")
                else None
            ),
        )
        yield page
        context.close()
        browser.close()
        assert errors == [], f"browser errors: {errors}"
        unchecked = sorted(set(visited) - checked_pages(page))
        assert unchecked == [], f"pages visited without assert_axe_clean(page): {unchecked}"
