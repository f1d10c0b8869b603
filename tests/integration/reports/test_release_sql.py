"""The facts a release computes in SQL (app/reports/releases.py) equal the Python rules they
stand for: the bureau of a prefecture and the 中小企業基本法 size class, on every boundary."""

import itertools

from sqlalchemy import insert, literal, select

from app.models import Company
from app.reports.releases import _bureau_sql, _size_class_sql
from questionnaires import reference


def test_size_class_in_sql_equals_the_reference_rule(db):
    sectors = [s.id for s in reference.sme_sectors()] + ["no-such-sector"]
    limits = {
        value + delta
        for s in reference.sme_sectors()
        for value in (s.small_employees_max, s.sme_employees_max, s.sme_capital_max)
        for delta in (-1, 0, 1)
    }
    values = sorted(limits | {0}) + [None]
    rows = [
        {
            "id": k + 1,
            "name": f"規模{k}",
            "prefecture_code": "13",
            "jsic_division": "E",
            "sme_sector": sector,
            "capital_yen": capital,
            "employees": employees,
            "is_sole_proprietor": False,
            "fiscal_year_start_month": 4,
        }
        for k, (sector, capital, employees) in enumerate(
            itertools.product(sectors, values, values)
        )
    ]
    db.session.execute(insert(Company), rows)
    query = select(
        Company.sme_sector,
        Company.capital_yen,
        Company.employees,
        _size_class_sql(Company.sme_sector, Company.capital_yen, Company.employees),
    )
    checked = 0
    for sector, capital, employees, in_sql in db.session.execute(query):
        try:
            expected = reference.size_class(sector, capital, employees) or "unknown"
        except KeyError:
            expected = "unknown"
        assert in_sql == expected, (sector, capital, employees)
        checked += 1
    assert checked == len(rows)


def test_bureau_in_sql_equals_the_reference(db):
    codes = [*reference.prefectures(), "99"]
    for code in codes:
        in_sql = db.session.scalar(select(_bureau_sql(literal(code))))
        try:
            expected = reference.bureau_for_prefecture(code).code
        except KeyError:
            expected = "unknown"
        assert in_sql == expected, code
