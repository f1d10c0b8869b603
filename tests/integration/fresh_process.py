"""Programs run in a fresh process at the project root, for tests about what a process imports
(this test process has long imported everything), on a SQLite file of its own."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(argv: list[str], tmp_path, timeout: int = 120) -> subprocess.CompletedProcess:
    """Runs `argv` at the project root with a database file in `tmp_path` (same for every run
    of one test, so a second command sees what the first did)."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/probe.sqlite3", "APP_ENV": "test"}
    return subprocess.run(  # noqa: S603 - the test's own interpreter or flask, fixed arguments
        argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


def run_code(code: str, tmp_path) -> dict:
    """Runs `code`, which prints a JSON object as its last line, and returns that object."""
    done = run([sys.executable, "-c", code], tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])
