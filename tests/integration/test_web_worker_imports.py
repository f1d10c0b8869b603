"""A gunicorn web worker does not load Flask-Migrate/Alembic (≈ 9 MB a process, issue 16's
memory goal) nor numpy (only a report release build counts with it, ~90 ms to import); the flask
command still has its `db` group. Each case is a fresh interpreter, since
this process has long imported both."""

import sys
from pathlib import Path

from tests.integration.fresh_process import run, run_code

PROBE = """
import json, sys
{before}
import wsgi
print(json.dumps({{"alembic": "alembic" in sys.modules,
                   "numpy": "numpy" in sys.modules,
                   "db_command": "db" in wsgi.app.cli.commands}}))
"""


def _probe(before: str, tmp_path) -> dict:
    return run_code(PROBE.format(before=before), tmp_path)


def test_under_gunicorn_the_app_does_not_import_alembic_or_numpy(tmp_path):
    expected = {"alembic": False, "numpy": False, "db_command": False}
    assert _probe("import gunicorn.app.base", tmp_path) == expected


def test_elsewhere_the_flask_db_commands_are_there(tmp_path):
    assert _probe("", tmp_path) == {"alembic": True, "numpy": False, "db_command": True}


def test_flask_db_upgrade_runs_from_the_command_line(tmp_path):
    flask = str(Path(sys.executable).with_name("flask"))
    upgrade = run([flask, "--app", "wsgi", "db", "upgrade"], tmp_path, timeout=300)
    assert upgrade.returncode == 0, upgrade.stderr[-2000:]
    current = run([flask, "--app", "wsgi", "db", "current"], tmp_path)
    assert "(head)" in current.stdout
