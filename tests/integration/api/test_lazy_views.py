"""pydantic and Spectree (the API's views, app/api/routes.py) load on the first API request, not
at start-up: most web workers never serve the API (issue 16's memory goal). The API answers as
if they had always been there."""

from types import FunctionType

import pytest
from flask import request

from app import create_app
from app.api import views
from app.api.routes import ROUTES
from app.api.tokens import create_token
from app.extensions import db
from tests.integration.fresh_process import run_code

PROBE = """
import json, sys
import gunicorn.app.base  # as a gunicorn worker imports the app
import wsgi
loaded = lambda: ["pydantic" in sys.modules, "spectree" in sys.modules]
out = {"at_start": loaded()}
client = wsgi.app.test_client()
first = client.get("/api/v1/indexes")
out["after"] = loaded()
out["first"] = [first.status_code, first.get_json(force=True), first.headers["WWW-Authenticate"]]
out["openapi_etag"] = client.get("/api/v1/openapi.json").headers["ETag"]
print(json.dumps(out))
"""


def test_a_worker_loads_pydantic_and_spectree_on_its_first_api_request(tmp_path, app):
    probe = run_code(PROBE, tmp_path)
    assert probe["at_start"] == [False, False]
    assert probe["after"] == [True, True]
    # the same answers as this process's app, whose views are long loaded
    client = app.test_client()
    first = client.get("/api/v1/indexes")
    assert probe["first"] == [401, first.get_json(force=True), 'Bearer realm="api"']
    assert probe["openapi_etag"] == client.get("/api/v1/openapi.json").headers["ETag"]


@pytest.fixture()
def fresh_app(app):
    """An app whose first API request is the test's (the session's app loaded its views long
    ago), on the session's database."""
    config = {"APP_ENV": "test", "TESTING": True, "RATELIMIT_STORAGE_URI": "memory://"}
    fresh = create_app({**config, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    yield fresh
    with fresh.app_context():
        db.engine.dispose()


def test_the_route_table_names_every_view_with_its_guard(fresh_app):
    app = fresh_app
    functions = [f for f in vars(views).values() if type(f) is FunctionType]  # no proxies
    guarded = {f.__name__: f.access_guard for f in functions if hasattr(f, "access_guard")}
    assert guarded == {endpoint: guard for _rule, _method, endpoint, guard in ROUTES}
    endpoints = [f"api.{endpoint}" for _rule, _method, endpoint, _guard in ROUTES]
    assert all(app.view_functions[e].loads_api_views for e in endpoints)
    app.test_client().get("/api/v1/openapi.json")
    assert [app.view_functions[e] for e in endpoints] == [
        getattr(views, endpoint) for _rule, _method, endpoint, _guard in ROUTES
    ]


def test_the_first_api_request_meets_the_limits_of_the_later_ones(fresh_app, make_user):
    """Flask-Limiter's before_request hook finds a view's own limits by the view in
    app.view_functions (create_company's company form budget, which replaces the blueprint's
    throttle there): the real view must be in place before the hooks run, on the first request
    as on the later ones."""
    app = fresh_app
    app.config["COMPANY_FORM_LIMITS"] = "2 per hour"
    seen_by_hooks = []
    app.before_request(lambda: seen_by_hooks.append(app.view_functions.get(request.endpoint)))
    headers = {"Authorization": "Bearer " + create_token(make_user(), "t", None).secret}
    # a 法人番号 with a wrong check digit: refused by the view (422), after the limits
    body = {"name": "株式会社テスト", "corporate_number": "1234567890123"}
    body |= {"prefecture_code": "13", "jsic_division": "E"}
    client = app.test_client()
    posts = [client.post("/api/v1/companies", json=body, headers=headers) for _ in range(3)]
    assert [r.status_code for r in posts] == [422, 422, 429]
    assert seen_by_hooks[:2] == [views.create_company, views.create_company]


DEPLOY_PROBE = """
import json, runpy, sys
import gunicorn.app.base
import wsgi  # preload_app: the master imports the app
config = runpy.run_path("deploy/gunicorn.conf.py")
config["when_ready"](None)
print(json.dumps({"pydantic": "pydantic" in sys.modules,
                  "real_view": not hasattr(wsgi.app.view_functions["api.indexes"],
                                           "loads_api_views")}))
"""


def test_the_deploy_config_loads_the_views_in_the_preloading_master(tmp_path):
    """With preload_app, the master loads them before forking, so the workers share them."""
    assert run_code(DEPLOY_PROBE, tmp_path) == {"pydantic": True, "real_view": True}
