"""app/reports/bulk.py: rows stored by COPY (PostgreSQL) or executemany (SQLite) read back
exactly, JSON floats included (the benchmark reader looks ranks up by those very floats)."""

from sqlalchemy import select

from app.extensions import db
from app.models import ReleaseMember, ReportRelease
from app.reports.bulk import insert_rows
from app.reports.releases import _MEMBER_COLUMNS


def test_rows_read_back_exactly():
    release = ReportRelease(fiscal_year=2025, index_version="2019-07", companies=0)
    db.session.add(release)
    db.session.flush()
    means = [0.1 + 0.2, 79 / 35, None, 40 / 17, 5.0]
    rows = [
        (release.id, 1, 11, 3, "kanto", "13", "E", "sme", "repeat", means),
        (release.id, 2, 12, 1, "unknown", "47", "I", "unknown", "first", [None, 2 / 3]),
        (release.id, 3, 13, 1, "kinki", "27", "G", "large", "first", None),
        # as the build gives them: a tuple (written through the cached number texts)
        (release.id, 4, 14, 1, "kinki", "27", "G", "large", "first", (1.0, 1, None, 79 / 35)),
    ]
    insert_rows(ReleaseMember.__table__, _MEMBER_COLUMNS, rows)
    db.session.commit()
    stored = db.session.execute(
        select(*(ReleaseMember.__table__.c[name] for name in _MEMBER_COLUMNS))
        .where(ReleaseMember.release_id == release.id)
        .order_by(ReleaseMember.company_id)
    ).all()
    assert [tuple(row) for row in stored[:3]] == rows[:3]
    assert tuple(stored[3][:-1]) == rows[3][:-1] and stored[3].means == list(rows[3][-1])
    assert [type(v) for v in stored[3].means[:2]] == [float, int]  # 1.0 and 1 stay apart
    assert stored[0].means[0] == 0.1 + 0.2  # the same float, not a rounded decimal
