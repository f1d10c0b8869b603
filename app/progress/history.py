"""The yearly maturity scores of a company, from the stored score snapshots."""

from dataclasses import dataclass

from app.progress.comparison import change_texts
from app.progress.submitted import LEVEL_LABELS, submitted_years
from app.web.line_charts import LineChart, LineData, line_chart
from app.web.numbers import score_text
from questionnaires import load_index


@dataclass(frozen=True)
class ScoreYear:
    fiscal_year: int
    overall: tuple[float | None, float | None]
    frameworks: dict[str, tuple[float | None, float | None]]
    change_text: str = "—"  # the overall current mean's change, with the compared year named
    revision: int | None = None  # while the year is edited again: the shown version's number


@dataclass(frozen=True)
class ScoreHistory:
    years: list[ScoreYear]
    charts: list[tuple[str, LineChart]]  # (title, chart)
    framework_names: dict[str, str]


def _pair(stat: dict | None) -> tuple[float | None, float | None]:
    if not stat:
        return None, None
    return stat.get("current_mean"), stat.get("target_mean")


def score_history(company_id: int) -> ScoreHistory:
    """Current and target means of every submitted year, from the stored score snapshots (a
    year being edited again by its last submitted version)."""
    rows = submitted_years(company_id)
    changes = change_texts(company_id)
    names: dict[str, str] = {}
    for a in rows:
        for framework in load_index(a.index_version).frameworks:
            names.setdefault(framework.id, framework.name)
    years = [
        ScoreYear(
            a.fiscal_year,
            _pair(a.scores.get("overall")),
            {fid: _pair(a.scores.get("frameworks", {}).get(fid)) for fid in names},
            changes.get(a.fiscal_year, "—"),
            a.revision,
        )
        for a in rows
    ]
    charts = []
    if years:
        span = list(range(years[0].fiscal_year, years[-1].fiscal_year + 1))
        parts = [("全項目", lambda y: y.overall)] + [
            (name, lambda y, fid=fid: y.frameworks.get(fid, (None, None)))
            for fid, name in names.items()
        ]
        for title, pick in parts:
            current = {y.fiscal_year: pick(y)[0] for y in years if pick(y)[0] is not None}
            target = {y.fiscal_year: pick(y)[1] for y in years if pick(y)[1] is not None}
            charts.append(
                (
                    title,
                    line_chart(
                        span,
                        [
                            LineData("current", "現在値の平均", current,
                                     {k: f"現在値 {score_text(v)}" for k, v in current.items()}),
                            LineData("target", "目標値の平均", target,
                                     {k: f"目標値 {score_text(v)}" for k, v in target.items()}),
                        ],
                        y_labels=LEVEL_LABELS,
                        size="half",
                    ),
                )
            )  # fmt: skip
    return ScoreHistory(years, charts, names)
