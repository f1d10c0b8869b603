"""Fixtures of the bureau report tests: submitted companies, releases, bureau sessions, and
parsers of the report's page tables, CSV and .xlsx (what an attacker with an account gets)."""

import csv
import io
import re

import pytest
from openpyxl import load_workbook

from app.assessments import services
from questionnaires import DEFAULT_VERSION, load_index

INDEX = load_index(DEFAULT_VERSION)
MGMT = set(next(f for f in INDEX.frameworks if f.id == "mgmt").item_ids)
YEAR = 2025


@pytest.fixture()
def owner(make_user):
    return make_user(email="owner@example.jp")


def _fill(assessment, owner, current, target, tag):
    index = load_index(assessment.index_version)

    def level(value, item_id):
        if callable(value):
            return value(item_id)
        if isinstance(value, tuple):
            return value[0] if item_id in MGMT else value[1]
        return value

    versions = services.step_versions(assessment)
    for step in index.steps:
        values = {
            item_id: {
                "current": level(current, item_id),
                "target": level(target, item_id),
                "evidence": f"根拠{tag}",
                "action": "",
            }
            for item_id in step.item_ids
        }
        assert services.save_step(assessment, step, values, versions.get(step.id, 0), owner) is None


@pytest.fixture()
def submitted(make_company, owner):
    """make(prefecture, current, target, year=..., **company): a company with a submitted
    assessment. ``current``/``target``: one level for every item, a (management, IT) pair, or
    a function of the item id."""
    counter = {"n": 0}

    def make(
        prefecture, current, target, year=YEAR, company=None, version=DEFAULT_VERSION, **fields
    ):
        counter["n"] += 1
        if company is None:
            company = make_company(
                owner, name=f"秘匿企業{counter['n']:03d}", prefecture=prefecture, **fields
            )
        assessment = services.start_assessment(
            company, year, owner, prefill=False, index_version=version
        )
        services.confirm_profile(assessment)
        _fill(assessment, owner, current, target, counter["n"])
        assert services.submit(assessment, assessment.version, owner)
        return company

    return make


@pytest.fixture()
def resubmit(owner):
    """resubmit(company, current, target, year=YEAR): reopen the year's assessment, change every
    answer, submit again (or, with submit=False, leave it reopened as a draft)."""

    def change(company, current, target, year=YEAR, submit=True):
        assessment = next(a for a in company.assessments if a.fiscal_year == year)
        if assessment.status == "submitted":
            assert services.reopen(assessment, assessment.version, owner)
        if submit:
            _fill(assessment, owner, current, target, "再")
            assert services.submit(assessment, assessment.version, owner)

    return change


@pytest.fixture()
def release(app):
    """release(year=YEAR): publish a release through the `flask reports release` command."""

    def run(year=YEAR, version=None):
        args = ["reports", "release", "--year", str(year)]
        args += ["--version", version] if version else []
        result = app.test_cli_runner().invoke(args=args)
        assert result.exit_code == 0, result.output
        return int(re.match(r"release (\d+):", result.output).group(1))

    return run


@pytest.fixture()
def bureau_client(client_request, make_user):
    """make(code): a signed-in bureau account's session (a ClientRequest)."""

    def make(code="kanto"):
        user = make_user(role="bureau", bureau_code=code)
        return client_request.new_session().login(user)

    return make


def text(cell) -> str:
    return " ".join(cell.get_text(" ").split())


def page_tables(page) -> dict[str, list[list[str]]]:
    """Every report table of a page: {caption: rows of cell texts (header row first)}."""
    tables = {}
    for table in page.select("table"):
        rows = [[text(c) for c in tr.find_all(["th", "td"])] for tr in table.select("tr")]
        tables[text(table.caption)] = rows
    return tables


def csv_tables(body: str) -> dict[str, list[list[str]]]:
    """The CSV's sections: {title line: rows (header row first)}, plus '' for the heading."""
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    tables, title = {"": []}, ""
    for k, row in enumerate(rows):
        if not row:
            continue
        if k > 0 and not rows[k - 1] and len(row) == 1:
            title = row[0]
            tables[title] = []
        else:
            tables[title].append(row)
    return tables


def xlsx_tables(raw: bytes) -> dict[str, list[list[str]]]:
    """The workbook's sheets: {title in A1: rows (header row first)} as the CSV shows them."""
    book = load_workbook(io.BytesIO(raw))
    tables = {}
    for sheet in book.worksheets[1:]:
        values = list(sheet.iter_rows(values_only=True))
        rows = []
        for cells, styled in zip(values[1:], list(sheet.iter_rows())[1:], strict=True):
            row = []
            for value, cell in zip(cells, styled, strict=True):
                if isinstance(value, float | int) and not isinstance(value, bool):
                    places = cell.number_format.count("0") - 1 if "." in cell.number_format else 0
                    row.append(f"{value:.{places}f}")
                else:
                    row.append("" if value is None else str(value))
            while row and row[-1] == "":
                row.pop()
            rows.append(row)
        tables[values[0][0]] = rows
    return tables
