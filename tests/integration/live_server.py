"""A gunicorn serving the test suite's own database, and a small cookie-keeping HTTP client.

The server runs `wsgi:app` in separate processes with DATABASE_URL set to the database the
`app` fixture uses (a SQLite file, or TEST_DATABASE_URL's PostgreSQL database), so rows a test
creates through the fixtures are what the server sees, and the suite's clean-up empties them.
The server uses the packaged index (2019-07): the test-tiny index is loadable only in-process.
"""

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REQUEST_TIMEOUT = 60
TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
VERSION = re.compile(r'name="version" (?:type="hidden" )?value="(\d+)"')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    def __init__(self, database_url, log_dir: Path, *args: str, env: dict | None = None):
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.error_log = log_dir / f"gunicorn-{self.port}.log"
        full_env = {
            **os.environ,
            "APP_ENV": "test",
            "SECRET_KEY": "live-server-test-secret-shared-by-the-workers",
            "DATABASE_URL": database_url,
            "MAIL_BACKEND": "log",
            "RATELIMIT_KEY_PREFIX": f"dx-live-{self.port}",
            **(env or {}),
        }
        for name in ("FLASK_DEBUG", "REDIS_URL"):
            full_env.pop(name, None)
        command = [
            *(sys.executable, "-m", "gunicorn", *args, "--timeout", "60"),
            *("-b", f"127.0.0.1:{self.port}", "--error-logfile", str(self.error_log)),
            "wsgi:app",
        ]
        self.process = subprocess.Popen(  # noqa: S603 - fixed arguments
            command,
            cwd=ROOT,
            env=full_env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self._wait_until_up()

    def _wait_until_up(self, timeout=90):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"gunicorn exited: {self.log()[-2000:]}")
            try:
                urllib.request.urlopen(self.base + "/login", timeout=5).close()  # noqa: S310
                return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        self.stop()
        raise AssertionError("gunicorn did not answer within 90 s")

    def log(self) -> str:
        return self.error_log.read_text() if self.error_log.exists() else ""

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the caller sees the 302 itself


class Browser:
    """Cookies like a browser; redirects are returned, not followed."""

    def __init__(self, base):
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect()
        )

    def request(self, path, data=None) -> tuple[int, str, str]:
        """(status, body, Location) of one GET (data None) or form POST."""
        body = None if data is None else urllib.parse.urlencode(data).encode()
        try:
            with self.opener.open(self.base + path, body, timeout=REQUEST_TIMEOUT) as response:
                return response.status, response.read().decode(), ""
        except urllib.error.HTTPError as exc:
            with exc:
                return exc.code, exc.read().decode(), exc.headers.get("Location", "")

    def get_form(self, path) -> tuple[str, str | None]:
        """The CSRF token and the version field of the page at ``path``."""
        status, html, _ = self.request(path)
        assert status == 200, (path, status)
        version = VERSION.search(html)
        return TOKEN.search(html).group(1), version.group(1) if version else None

    def login(self, email, password):
        token, _ = self.get_form("/login")
        status, _, _ = self.request(
            "/login", {"email": email, "password": password, "csrf_token": token}
        )
        assert status == 302, status
