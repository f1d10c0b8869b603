"""Changes of index versions write audit events (issue 15): `flask index load | set-default |
load-mapping` (no account: via cli) and the admin page's default / stop / activate (the
administrator), each in the change's own commit; a refused or idle change writes none."""

from __future__ import annotations

from pathlib import Path

from app.members.audit_log import EVENT_LABELS
from app.models import AuditEvent

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "index_versions"
SYNTHETIC = "synthetic-2026"


def _events(db) -> list[tuple[str, int | None, dict]]:
    db.session.expire_all()
    rows = db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id)).all()
    return [(e.event, e.user_id, e.details) for e in rows if e.event.startswith("index_")]


def test_cli_changes_are_audited(app, db):
    runner = app.test_cli_runner()

    def run(*args):
        result = runner.invoke(args=["index", *args])
        assert result.exit_code == 0, result.output

    run("validate", str(FIXTURES / "synthetic-2026.yaml"))  # stores nothing: no event
    assert _events(db) == []
    run("load", str(FIXTURES / "synthetic-2026.yaml"))
    run("load", str(FIXTURES / "synthetic-2026.yaml"))  # unchanged: no event
    run("load-mapping", str(FIXTURES / "2019-07_to_synthetic-2026.yaml"))
    run("set-default", SYNTHETIC)
    events = _events(db)
    assert [(code, user) for code, user, _ in events] == [
        ("index_version_loaded", None),
        ("index_mapping_loaded", None),
        ("index_version_default_set", None),
    ]
    loaded, mapping, default = (details for _, _, details in events)
    assert loaded["version"] == SYNTHETIC and loaded["outcome"] == "loaded"
    assert loaded["items"] == 12 and loaded["via"] == "cli"
    assert loaded["file"].endswith("synthetic-2026.yaml") and len(loaded["digest"]) == 12
    assert (mapping["from_version"], mapping["to_version"]) == ("2019-07", SYNTHETIC)
    assert default == {"version": SYNTHETIC, "previous": "2019-07", "via": "cli"}
    # A refused change (a broken file) writes nothing.
    broken = runner.invoke(args=["index", "load", str(FIXTURES / "broken" / "missing-level.yaml")])
    assert broken.exit_code == 1
    assert len(_events(db)) == 3


def test_admin_page_changes_are_audited_with_the_administrator(app, client_request, db):
    assert (
        app.test_cli_runner()
        .invoke(args=["index", "load", str(FIXTURES / "synthetic-2026.yaml")])
        .exit_code
        == 0
    )
    admin_id = client_request.login_as("admin").id
    before = len(_events(db))

    def post(endpoint, version):
        return client_request.post(
            endpoint,
            version=version,
            _from="admin.versions",
            _follow_redirects=True,
            _expected_status=200,
        )

    page = post("admin.version_deactivate", "2019-07")  # the default: refused, no event
    assert page.flashes("warning")
    assert len(_events(db)) == before
    post("admin.version_deactivate", SYNTHETIC)
    post("admin.version_activate", SYNTHETIC)
    post("admin.version_default", SYNTHETIC)
    events = _events(db)[before:]
    assert [code for code, _, _ in events] == [
        "index_version_deactivated",
        "index_version_activated",
        "index_version_default_set",
    ]
    assert {user for _, user, _ in events} == {admin_id}
    assert {details["via"] for _, _, details in events} == {"admin"}
    assert all(details["version"] == SYNTHETIC for _, _, details in events)
    # Every code has its Japanese label (the label test reads every record(...) call too).
    assert all(EVENT_LABELS[code] for code, _, _ in events)
