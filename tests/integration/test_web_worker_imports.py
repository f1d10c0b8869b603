"""A gunicorn web worker does not load Flask-Migrate/Alembic (≈ 9 MB a process, issue 16's
memory goal); the flask command still has its `db` group. Each case is a fresh interpreter, since
this process has long imported both."""

import os
import subprocess
import sys
from pathlib import Path

from tests.integration.fresh_process import ROOT, run_code

PROBE = """
import json, sys
{before}
import wsgi
print(json.dumps({{"alembic": "alembic" in sys.modules,
                   "db_command": "db" in wsgi.app.cli.commands}}))
"""


def _probe(before: str, tmp_path) -> dict:
    return run_code(PROBE.format(before=before), tmp_path)


def test_under_gunicorn_the_app_does_not_import_alembic(tmp_path):
    assert _probe("import gunicorn.app.base", tmp_path) == {"alembic": False, "db_command": False}


def test_elsewhere_the_flask_db_commands_are_there(tmp_path):
    assert _probe("", tmp_path) == {"alembic": True, "db_command": True}


def test_flask_db_upgrade_runs_from_the_command_line(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/cli.sqlite3", "APP_ENV": "test"}
    flask = Path(sys.executable).with_name("flask")
    run = subprocess.run(  # noqa: S603 - fixed arguments
        [str(flask), "--app", "wsgi", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    current = subprocess.run(  # noqa: S603 - fixed arguments
        [str(flask), "--app", "wsgi", "db", "current"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "(head)" in current.stdout
