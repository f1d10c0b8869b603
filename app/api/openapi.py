"""The finishing touches on Spectree's generated document: problem responses are
application/problem+json, the headers the operations read are declared, and 304 answers."""

import copy

from app.web.input_guard import DB_INT_MAX
from app.web.problem import PROBLEM_MIMETYPE

IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "required": True,
    "description": "The ETag of GET /api/v1/assessments/{assessment_id}; 412 when it is stale, "
    "428 when missing.",
    "schema": {"type": "string"},
}
IF_NONE_MATCH = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "description": "An ETag received earlier: 304 without a body when nothing changed.",
    "schema": {"type": "string"},
}


def finished(generated: dict) -> dict:
    doc = copy.deepcopy(generated)
    doc["servers"] = [{"url": "/"}]
    for path, operations in doc.get("paths", {}).items():
        for method, operation in operations.items():
            for status, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                if status[0] in "45" and "application/json" in content:
                    response["content"] = {PROBLEM_MIMETYPE: content["application/json"]}
                if status == "304":
                    response.pop("content", None)
                    response["description"] = "Not Modified (If-None-Match matched the ETag)"
            params = operation.setdefault("parameters", [])
            for param in params:
                if param.get("in") == "path" and param["name"].endswith("_id"):
                    # input_guard's "int" converter: 1 to 2**31-1, anything else is a 404
                    param["schema"] = {"type": "integer", "minimum": 1, "maximum": DB_INT_MAX}
            if method == "patch" and path.endswith("/answers"):
                params.append(IF_MATCH)
            if method == "get":
                params.append(IF_NONE_MATCH)
    return doc


def _resolve(doc: dict, schema: dict) -> dict:
    ref = schema.get("$ref")
    if ref:
        return _resolve(doc, doc["components"]["schemas"][ref.rsplit("/", 1)[1]])
    return schema


def _type_text(doc: dict, schema: dict) -> str:
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[1].split(".")[0]
    if "anyOf" in schema:
        return " | ".join(_type_text(doc, s) for s in schema["anyOf"])
    if schema.get("type") == "array":
        return "array of " + _type_text(doc, schema.get("items", {}))
    if "enum" in schema:
        return " | ".join(repr(v) for v in schema["enum"])
    if "const" in schema:
        return repr(schema["const"])
    return str(schema.get("type", "object"))


def _fields(doc: dict, schema: dict) -> list[dict]:
    schema = _resolve(doc, schema)
    required = set(schema.get("required", []))
    return [
        {
            "name": name,
            "type": _type_text(doc, prop),
            "required": name in required,
            "description": prop.get("description", ""),
        }
        for name, prop in schema.get("properties", {}).items()
    ]


def reference(doc: dict) -> list[dict]:
    """The operations of the document, for the server-rendered reference page."""
    operations = []
    for path, methods in sorted(doc.get("paths", {}).items()):
        for method, op in methods.items():
            body = op.get("requestBody", {}).get("content", {}).get("application/json")
            operations.append(
                {
                    "id": f"{method}-{path}".replace("/", "-").replace("{", "").replace("}", ""),
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "parameters": [
                        {
                            "name": p["name"],
                            "in": p["in"],
                            "required": p.get("required", False),
                            "type": _type_text(doc, p.get("schema", {})),
                            "description": p.get("description", ""),
                        }
                        for p in op.get("parameters", [])
                    ],
                    "body": _fields(doc, body["schema"]) if body else None,
                    "responses": [
                        {
                            "status": status,
                            "schema": _type_text(doc, next(iter(r["content"].values()))["schema"])
                            if r.get("content")
                            else "",
                        }
                        for status, r in sorted(op.get("responses", {}).items())
                    ],
                }
            )
    return operations
