"""Limits hold across gunicorn workers when they share Redis (issue 9, finding 5).

Starts gunicorn with 2 sync workers on a free 127.0.0.1 port against the local Redis
(127.0.0.1:6379, a key prefix of its own per run, removed afterwards) and sends wrong passwords
two at a time, so both workers answer. With Redis exactly LOGIN_LIMITS pass; the control run
with in-memory storage shows what Redis prevents: each worker counting on its own.

Skipped only when Redis is not reachable locally; in CI (CI=true) that is a failure.
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
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from app import create_app
from app.auth.users import create_user
from app.extensions import db as _db
from tests.conftest import PASSWORD

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
LIMIT = 10  # LOGIN_LIMITS: 10 per 15 minutes per address and account
ATTEMPTS = 16
REQUEST_TIMEOUT = 15


@pytest.fixture(scope="module")
def redis_client():
    import redis

    client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"Redis at {REDIS_HOST}:{REDIS_PORT} is required in CI: {exc}")
        pytest.skip(f"Redis is not reachable at {REDIS_HOST}:{REDIS_PORT}")
    yield client
    client.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _prepare_database(path: str) -> None:
    url = f"sqlite:///{path}"
    app = create_app({"APP_ENV": "test", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        _db.create_all()
        create_user("target@example.jp", PASSWORD)
        _db.session.commit()
        _db.engine.dispose()


class Gunicorn:
    def __init__(self, tmp_path, storage: str, prefix: str):
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.access_log = tmp_path / f"access-{prefix}.log"
        database = tmp_path / "throttle.sqlite3"
        if not database.exists():
            _prepare_database(str(database))
        env = {
            **os.environ,
            "APP_ENV": "test",
            "SECRET_KEY": "throttle-test-secret-shared-by-both-workers",
            "DATABASE_URL": f"sqlite:///{database}",
            "RATELIMIT_KEY_PREFIX": prefix,
            "MAIL_BACKEND": "log",
        }
        env.pop("FLASK_DEBUG", None)
        if storage == "redis":
            env["REDIS_URL"] = f"redis://{REDIS_HOST}:{REDIS_PORT}/0"
        else:
            env.pop("REDIS_URL", None)
        command = [
            *(sys.executable, "-m", "gunicorn"),
            *("-w", "2", "-k", "sync", "--timeout", "30"),
            *("-b", f"127.0.0.1:{self.port}"),
            *("--access-logfile", str(self.access_log)),
            *("--access-logformat", "%(p)s %(s)s %(m)s %(U)s"),
            "wsgi:app",
        ]
        self.process = subprocess.Popen(  # noqa: S603 - fixed arguments
            command,
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        self._wait_until_up()

    def _wait_until_up(self, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"gunicorn exited: {self.process.stderr.read()[-2000:]}")
            try:
                urllib.request.urlopen(self.base + "/login", timeout=2).close()  # noqa: S310
                return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        self.stop()
        raise AssertionError("gunicorn did not answer within a minute")

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        self.process.stderr.close()

    def worker_pids_for(self, path: str) -> set[str]:
        lines = self.access_log.read_text().splitlines()
        return {line.split()[0] for line in lines if f"POST {path}" in line}


class Browser:
    """Cookies and the CSRF token, like a browser; every request bounded by a timeout."""

    def __init__(self, base):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def csrf(self, path):
        with self.opener.open(self.base + path, timeout=REQUEST_TIMEOUT) as response:
            html = response.read().decode()
        return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)

    def post(self, path, data) -> int:
        body = urllib.parse.urlencode(data).encode()
        try:
            with self.opener.open(self.base + path, body, timeout=REQUEST_TIMEOUT) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            exc.close()
            return exc.code


def _wrong_passwords(server: Gunicorn) -> list[int]:
    browser = Browser(server.base)
    token = browser.csrf("/login")
    data = {"email": "target@example.jp", "password": "wrong password!", "csrf_token": token}
    # Two at a time, so the second worker takes requests while the first is busy hashing.
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(lambda _: browser.post("/login", data), range(ATTEMPTS)))


@pytest.fixture()
def run_prefix(redis_client):
    prefix = f"dx-test-{uuid.uuid4().hex}"
    yield prefix
    for key in redis_client.scan_iter(match=f"*{prefix}*", count=500):
        redis_client.delete(key)


@pytest.fixture()
def servers(tmp_path):
    started = []

    def start(storage, prefix):
        server = Gunicorn(tmp_path, storage, prefix)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def test_login_limit_holds_across_two_workers_with_redis(servers, run_prefix, redis_client):
    server = servers("redis", run_prefix)
    statuses = _wrong_passwords(server)
    assert len(server.worker_pids_for("/login")) == 2, "both workers must have answered"
    assert statuses.count(200) == LIMIT, statuses
    assert statuses.count(429) == ATTEMPTS - LIMIT, statuses
    # The counters live in Redis under this run's prefix, not in the workers.
    assert any(redis_client.scan_iter(match=f"*{run_prefix}*"))


def test_control_without_redis_each_worker_counts_alone(servers, run_prefix, redis_client):
    # What production start-up now refuses (app/config.py): with in-memory storage the limit
    # multiplies by the number of workers. This shows that the test above can fail.
    server = servers("memory", run_prefix)
    statuses = _wrong_passwords(server)
    assert len(server.worker_pids_for("/login")) == 2, "both workers must have answered"
    assert statuses.count(200) > LIMIT, statuses
