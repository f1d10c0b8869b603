"""The company audit log shows every event in Japanese (issue 11, smaller defects): one label
table covers every code the application records, and the page shows labels, not codes."""

import ast
from pathlib import Path

from app.members.audit_log import EVENT_LABELS
from tests.integration.kpi_helpers import make_indicator

APP = Path(__file__).resolve().parents[3] / "app"
RECORDERS = {"record", "refused"}  # app.audit.record and auth.services.refused, which calls it


def _codes(node) -> set[str]:
    """The string constants an argument can evaluate to (a literal or `a if c else b`)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _codes(node.body) | _codes(node.orelse)
    return set()


def recorded_codes() -> dict[str, str]:
    """{event code: the file recording it} for every recorder call in app/."""
    found = {}
    for path in APP.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and node.args):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name in RECORDERS:
                for code in _codes(node.args[0]):
                    found.setdefault(code, str(path.relative_to(APP.parent)))
    return found


def test_every_recorded_event_has_a_japanese_label():
    codes = recorded_codes()
    assert {"kpi_created", "user_enabled", "login_2fa_failed"} <= set(codes)  # all call forms
    missing = {code: where for code, where in codes.items() if code not in EVENT_LABELS}
    assert missing == {}
    assert all(label and label.isascii() is False for label in EVENT_LABELS.values())


def test_kpi_events_are_shown_with_labels(client_request, db, make_user, make_company, login):
    owner = make_user(email="owner@example.jp")
    company = make_company(owner, name="ラベル確認株式会社")
    make_indicator(company, owner, name="DX人材の数")
    login(owner.email)
    page = client_request.get("members.audit", company_id=company.id)
    header, *rows = page.table()
    assert header[1:3] == ["操作", "内容"]
    assert [row[1:3] for row in rows] == [["定量指標を作成", "DX人材の数"]]
    assert "kpi_created" not in page.select_one("main").get_text()
