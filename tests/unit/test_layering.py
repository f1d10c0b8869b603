"""Architecture rules, checked on the imports of the source (ast), lazy imports included:

- scoring/ and questionnaires/ stay free of Flask, SQLAlchemy and the app;
- app/web/ (HTTP plumbing) imports no feature package;
- no feature imports another feature's views;
- no two packages of app/ import each other.
"""

import ast
import pathlib
from collections import defaultdict

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
APP = ROOT / "app"
FORBIDDEN = ("flask", "flask_sqlalchemy", "sqlalchemy", "app", "werkzeug", "wtforms")
NOT_FEATURES = {"web", "models", "static"}
FEATURES = sorted(
    p.name for p in APP.iterdir() if (p / "__init__.py").exists() and p.name not in NOT_FEATURES
)


def imported_modules(path: pathlib.Path) -> list[str]:
    """Absolute module names imported anywhere in the file ("from app.x import y" gives both
    app.x and app.x.y, since y may be a module)."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
            names += [f"{node.module}.{a.name}" for a in node.names]
    return names


def package_of(module: str) -> str | None:
    """'app.kpis.views' -> 'kpis'; top-level modules of app/ (access, audit...) -> None."""
    parts = module.split(".")
    if parts[0] != "app" or len(parts) < 2:
        return None
    return parts[1] if (APP / parts[1] / "__init__.py").exists() else None


def app_imports():
    """(importing package, imported module) for every import inside app/'s packages."""
    for path in APP.rglob("*.py"):
        own = path.relative_to(APP).parts
        if len(own) < 2:
            continue  # a top-level module such as app/cli.py wires features together
        for module in imported_modules(path):
            yield own[0], module, path.relative_to(ROOT)


def test_there_are_features_to_check():
    assert {"assessments", "kpis", "comments", "progress", "reports"} <= set(FEATURES)


@pytest.mark.parametrize("package", ["scoring", "questionnaires"])
def test_pure_packages_do_not_import_the_web_stack(package):
    offenders = [
        f"{path.name}: {name}"
        for path in (ROOT / package).rglob("*.py")
        for name in imported_modules(path)
        if name.split(".")[0] in FORBIDDEN
    ]
    assert offenders == []


def test_web_plumbing_imports_no_feature():
    offenders = [
        f"{path}: {module}"
        for package, module, path in app_imports()
        if package == "web" and package_of(module) in FEATURES
    ]
    assert offenders == []


def test_no_feature_imports_another_features_views():
    offenders = [
        f"{path}: {module}"
        for package, module, path in app_imports()
        if package_of(module) not in (None, package) and module.split(".")[-1].endswith("views")
    ]
    assert offenders == []


def test_no_two_packages_import_each_other():
    edges = defaultdict(set)
    for package, module, _path in app_imports():
        target = package_of(module)
        if target and target != package:
            edges[package].add(target)
    pairs = {tuple(sorted((a, b))) for a, targets in edges.items() for b in targets}
    cycles = sorted((a, b) for a, b in pairs if b in edges[a] and a in edges[b])
    assert cycles == []
