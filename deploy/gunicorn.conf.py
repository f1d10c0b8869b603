"""Production gunicorn settings: `.venv/bin/gunicorn -c deploy/gunicorn.conf.py wsgi:app`.

preload_app: the app is imported once, in the master, and workers are forked from it. A
graceful reload (`kill -HUP` of the master) then has new workers ready at once; without it,
the old workers stopped while the new ones were still importing the app, and requests waited
past 30 s (bench/README.md, "Graceful reload": 16 of 306 requests failed, with it 0 of 837).
The price: a HUP re-forks the same code. To deploy new code, restart gunicorn (or start a new
master with USR2 and stop the old one with QUIT).
"""

bind = "127.0.0.1:8000"
workers = 4
worker_class = "sync"
timeout = 30
graceful_timeout = 30
max_requests = 5000
max_requests_jitter = 500
preload_app = True


def post_fork(server, worker):
    """A forked worker must not share a database connection the master may have opened."""
    from app.extensions import db
    from wsgi import app

    with app.app_context():
        db.engine.dispose(close=False)


def when_ready(server):
    """Runs in the master after the preload. The API's views (pydantic, Spectree: about 10 MB)
    are loaded here, once, so the forked workers share them; without a preload each worker
    loads them on its first API request instead (app/api/routes.py)."""
    from app.api.routes import load_views
    from wsgi import app

    load_views(app)
