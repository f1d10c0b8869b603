"""The Spectree instance that validates the API's requests (with the pydantic models of
schemas.py) and generates the OpenAPI document. Imported with views.py on the first API request
(routes.py), never at start-up: pydantic and Spectree cost every worker about 10 MB."""

from pydantic import ValidationError
from spectree import Response, SecurityScheme, SpecTree
from spectree.models import SecuritySchemeData

from app.api.core import ApiProblem
from app.api.schemas import Problem


def _pointer(loc, where: str) -> str:
    parts = [str(p).replace("~", "~0").replace("/", "~1") for p in loc]
    if where == "json":
        return "/" + "/".join(parts) if parts else ""
    return f"#/{where}/" + "/".join(parts)


def _before_view(req, resp, error, instance, adapter):
    """Spectree's hook: a request that failed its model becomes a 422 problem with a pointer
    per field, instead of Spectree's own error shape."""
    if error is None:
        return
    where = "query" if getattr(error, "title", "").endswith("Query") else "json"
    errors = (
        [
            {"pointer": _pointer(e["loc"], where), "detail": e["msg"]}
            for e in error.errors(include_url=False, include_context=False)
        ]
        if isinstance(error, ValidationError)
        else [{"pointer": "", "detail": str(error)}]
    )
    raise ApiProblem(
        422,
        f"入力内容に誤りがあります（{len(errors)}件）。errors の各項目を確認してください。",
        "validation_error",
        errors,
    )


spec = SpecTree(
    "flask",
    naming_strategy=lambda model: model.__name__,
    nested_naming_strategy=lambda _parent, child: child,
    mode="strict",
    title="DX推進指標 自己診断 API",
    version="v1",
    description=(
        "Personal access tokens (アカウント → APIトークン) go in `Authorization: Bearer`. "
        "Every error is RFC 9457 problem details. Lists are paged with `cursor`/`next_cursor`."
    ),
    path="api/v1/_spectree",  # its own UI routes are never registered (they load CDN scripts)
    annotations=False,
    before=_before_view,
    validation_error_status=422,
    validation_error_model=Problem,
    security_schemes=[
        SecurityScheme(name="bearer", data=SecuritySchemeData(type="http", scheme="bearer")),
    ],
)

ERRORS = {f"HTTP_{code}": Problem for code in (400, 401, 404, 413, 415, 429)}


def responses(*codes_and_models, **models) -> Response:
    """A Spectree Response with the problems every operation can answer."""
    return Response(*codes_and_models, **{**ERRORS, **models})
