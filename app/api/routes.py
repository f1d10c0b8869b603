"""The rules of /api/v1, declared without their views. The views (views.py) validate with
Spectree and pydantic, which would cost every worker about 10 MB at start-up, although most
workers never serve the API. Flask takes no new rule after the first request, so the rules are
registered at start-up with placeholders, and the first API request of an app puts the real
views in their place (app.view_functions, where Flask-Limiter and Spectree read them)."""

from flask import current_app

from app.api.core import bp

# (rule, method, endpoint: the view's name in views.py, access guard of that view), in the
# order of the OpenAPI document's operations.
ROUTES = (
    ("/openapi.json", "GET", "openapi", "public"),
    ("/docs", "GET", "docs", "public"),
    ("/indexes", "GET", "indexes", "token"),
    ("/indexes/<string(maxlength=32):version>", "GET", "index", "token"),
    ("/companies", "GET", "companies", "token"),
    ("/companies", "POST", "create_company", "token"),
    ("/companies/<api_id:company_id>", "GET", "company", "token"),
    ("/companies/<api_id:company_id>/assessments", "GET", "company_assessments", "token"),
    ("/companies/<api_id:company_id>/assessments", "POST", "start_assessment", "token"),
    ("/assessments/<api_id:assessment_id>", "GET", "assessment", "token"),
    ("/assessments/<api_id:assessment_id>/answers", "PATCH", "patch_answers", "token"),
    ("/assessments/<api_id:assessment_id>/submit", "POST", "submit", "token"),
    ("/assessments/<api_id:assessment_id>/scores", "GET", "scores", "token"),
    ("/companies/<api_id:company_id>/indicators", "GET", "indicators", "token"),
    ("/reports", "GET", "reports", "token"),
)


def load_views(app) -> None:
    """Puts the views of views.py in place of the placeholders (again: harmless)."""
    from app.api import views

    for _rule, _method, endpoint, _guard in ROUTES:
        app.view_functions[f"{bp.name}.{endpoint}"] = getattr(views, endpoint)


def _placeholder(endpoint: str, guard: str):
    """A rule's view until the views are loaded; _load_views replaces it before it is called."""

    def view(**kwargs):
        load_views(current_app)
        return current_app.view_functions[f"{bp.name}.{endpoint}"](**kwargs)

    view.access_guard = guard  # what the real view will check (tests/…/test_app_security.py)
    view.loads_api_views = True
    return view


for _rule, _method, _endpoint, _guard in ROUTES:
    bp.add_url_rule(_rule, _endpoint, _placeholder(_endpoint, _guard), methods=[_method])


@bp.url_value_preprocessor
def _load_views(endpoint, _values):
    """Runs before every before_request hook, so that Flask-Limiter's hook finds the real view (and
    its decorated limits) on the first request as on every later one."""
    if getattr(current_app.view_functions.get(endpoint), "loads_api_views", False):
        load_views(current_app)
