"""Code run in a fresh interpreter at the project root, for tests about what a process imports
(this test process has long imported everything), on a SQLite file of its own."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_code(code: str, tmp_path) -> dict:
    """Runs `code`, which prints a JSON object as its last line, and returns that object."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/probe.sqlite3", "APP_ENV": "test"}
    run = subprocess.run(  # noqa: S603 - the interpreter running the tests, fixed code
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    return json.loads(run.stdout.strip().splitlines()[-1])
