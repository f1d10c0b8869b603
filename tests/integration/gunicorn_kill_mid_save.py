"""gunicorn config for the F4 test: a worker kills itself (SIGKILL) in the middle of a step save.

While the file named by KILL_MARKER exists, the first statement that writes answers is followed
by the worker's SIGKILL: the step's version bump and the answers are then written in an open
transaction that never commits. The marker is removed first, so exactly one worker dies, and
the killed pid is written to KILL_MARKER + ".done" for the test to check.
"""

import os
import signal
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine

MARKER = Path(os.environ["KILL_MARKER"])


def _writes_answers(statement: str) -> bool:
    """An answers' UPDATE or upsert; on PostgreSQL the upsert is the version bump's statement
    (WITH bump AS (UPDATE step_states ...) INSERT INTO answers ...)."""
    text = " ".join(statement.split()).upper()
    return text.startswith("UPDATE ANSWERS") or "INSERT INTO ANSWERS" in text


def _kill_after_answer_write(conn, cursor, statement, parameters, context, executemany):
    if not _writes_answers(statement):
        return
    try:
        MARKER.unlink()
    except FileNotFoundError:
        return
    Path(f"{MARKER}.done").write_text(str(os.getpid()))
    os.kill(os.getpid(), signal.SIGKILL)


def post_fork(server, worker):
    event.listen(Engine, "after_cursor_execute", _kill_after_answer_write)
