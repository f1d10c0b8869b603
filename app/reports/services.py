"""What a bureau report consists of, declared once: the page, the CSV and every later export
read these declarations, so their tables cannot drift apart. Also the report a request asks for."""

import re
from dataclasses import dataclass

from app.reports.aggregates import BureauReport, build_report, jurisdiction_of

YEAR = re.compile(r"\A[0-9]{4}\Z")
VERSION = re.compile(r"\A[0-9A-Za-z._-]{1,32}\Z")


@dataclass(frozen=True)
class Breakdown:
    attribute: str  # the BureauReport attribute holding the rows
    heading: str  # the page's section heading
    title: str  # the table's caption and the export's section title
    first_column: str

    def rows(self, report: BureauReport) -> list:
        return getattr(report, self.attribute)


BREAKDOWNS = (
    Breakdown("summary", "全体・枠組み別", "全体と枠組み別の成熟度", "区分"),
    Breakdown("by_prefecture", "都道府県別", "都道府県別", "都道府県"),
    Breakdown("by_industry", "業種別", "業種別（日本標準産業分類 大分類）", "業種"),
    Breakdown("by_size", "企業規模別", "企業規模別（中小企業基本法の区分）", "企業規模"),
)
FIGURE_COLUMNS = (
    "企業数",
    "現在値の平均",
    "現在値の中央値",
    "目標値の平均",
    "目標値の中央値",
    "先行企業の割合（%）",
)
ITEMS_HEADING = "項目別"
ITEMS_TITLE = "項目それぞれの平均レベル"
ITEM_COLUMNS = ("項目", "枠組み", "企業数", "現在値の平均", "目標値の平均")


def requested_report(bureau_code: str | None, args) -> tuple[BureauReport | None, list[str]]:
    """The report for the bureau and the year/index version in the query string ``args``,
    plus notices for what was asked but could not be shown."""
    notices = []
    raw_year, raw_version = args.get("year", ""), args.get("version", "")
    year = int(raw_year) if YEAR.match(raw_year) else None
    if raw_year and year is None:
        notices.append("年度の指定が正しくないため、最新の年度を表示しています。")
    version = raw_version if VERSION.match(raw_version) else None
    jurisdiction = jurisdiction_of(bureau_code)
    if jurisdiction is None:
        return None, notices
    report = build_report(jurisdiction, year, version)
    if year is not None and report.period is not None and report.period.fiscal_year != year:
        notices.append(f"{year}年度の提出データはありません。最新の年度を表示しています。")
    return report, notices
