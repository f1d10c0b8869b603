"""The results page's view model: stored scores, the change against the compared year
(derived now, see comparison.py), and IPA's national figures."""

from dataclasses import dataclass

from flask_babel import gettext as _

from app.assessments import services
from app.progress.comparison import ChangeLabels, compare_one, labels_for, year_cards
from app.web import charts
from app.web.numbers import score_text
from questionnaires import reference
from scoring import ScoreCard, YearComparison


@dataclass(frozen=True, slots=True)  # (slots: 120 bytes a row instead of ~350, 35 a cached page)
class Row:
    id: str
    label: str
    current: float | None
    target: float | None
    gap: float | None
    previous_current: float | None
    change: float | None
    national_current: float | None = None
    national_target: float | None = None
    current_median: float | None = None
    target_median: float | None = None


@dataclass(frozen=True)
class Results:
    card: ScoreCard
    previous_year: int | None
    comparison: YearComparison | None
    labels: ChangeLabels | None
    national: object | None
    overall: Row
    frameworks: list[Row]
    groups: list[Row]
    items: list[Row]
    radar: charts.Radar


def latest_national_average():
    """The newest IPA data year that published both a current and a target mean."""
    rows = [
        n
        for n in reference.ipa_national_averages()
        if n.current_mean is not None and n.target_mean is not None
    ]
    return max(rows, key=lambda n: n.data_year) if rows else None


def build_results(assessment, shown: services.SubmittedVersion) -> Results:
    """The results of ``shown``: the submitted assessment, or its last submitted version while
    the year is edited again (compared, like every page compares it, by that version)."""
    index = services.index_of(assessment)
    # Only this year's change is needed (not every year's), and the card it is derived from is
    # the shown version's (its last submitted one while reopened): each card is parsed once.
    cards = year_cards(assessment.company_id)
    own = cards.get(assessment.fiscal_year)
    comparison = compare_one(own, cards) if own else None
    card = own.card if own else ScoreCard.from_dict(shown.scores)
    labels = labels_for(comparison)
    # Earlier values are shown only beside a change they explain (same index version).
    prev = comparison.previous.card if comparison and comparison.comparable else None
    # Across versions (an item mapping) only items are compared: no earlier means beside them.
    prev_means = None if comparison is not None and comparison.mapped else prev
    delta = comparison.delta if comparison else None
    # IPA's figures belong to the index version they were computed on.
    same_version = index.version_id == reference.ipa_national_averages_version()
    national = latest_national_average() if same_version else None

    def stat_row(key, label, stat, prev_stat, change, nat_current=None, nat_target=None):
        return Row(
            key,
            label,
            stat.current_mean,
            stat.target_mean,
            stat.gap,
            prev_stat.current_mean if prev_stat else None,
            change.current if change else None,
            nat_current,
            nat_target,
            stat.current_median,
            stat.target_median,
        )

    overall = stat_row(
        "all",
        _("全%(count)d項目", count=len(index.items)),
        card.overall,
        prev_means.overall if prev_means else None,
        delta.overall if delta else None,
        national.current_mean if national else None,
        national.target_mean if national else None,
    )
    frameworks = []
    for fw in index.frameworks:
        nat = national.frameworks.get(fw.id) if national else None
        frameworks.append(
            stat_row(
                fw.id,
                fw.name,
                card.frameworks[fw.id],
                prev_means.frameworks.get(fw.id) if prev_means else None,
                delta.frameworks.get(fw.id) if delta else None,
                nat.current_mean if nat else None,
                nat.target_mean if nat else None,
            )
        )
    groups = [
        stat_row(
            g.id,
            f"{g.id} {g.title}",
            card.groups[g.id],
            prev_means.groups.get(g.id) if prev_means else None,
            delta.groups.get(g.id) if delta else None,
        )
        for g in index.groups
    ]
    items = []
    for item in index.items:
        score = card.items[item.id]
        prev_id = comparison.previous_item_id(item.id) if prev else None
        prev_item = prev.items.get(prev_id) if prev_id is not None else None
        change = delta.items.get(item.id) if delta else None
        items.append(
            Row(
                item.id,
                f"{item.id} {item.title}",
                score.current,
                score.target,
                score.gap,
                prev_item.current if prev_item else None,
                change.current if change else None,
            )
        )
    series = [
        ("current", _("現在値"), [r.current for r in groups]),
        ("target", _("目標値"), [r.target for r in groups]),
    ]
    if prev_means:
        if comparison.previous.reopened:
            name = _(
                "%(year)d年度の現在値（第%(revision)d版）",
                year=comparison.previous.fiscal_year,
                revision=comparison.previous.revision,
            )
        else:
            name = _("%(year)d年度の現在値", year=comparison.previous.fiscal_year)
        series.append(("previous", name, [r.previous_current for r in groups]))
    ref = None
    if national:
        ref = (
            _(
                "全国平均 現在値 %(mean)s（IPA %(year)s年度データ）",
                mean=score_text(national.current_mean),
                year=national.data_year,
            ),
            national.current_mean,
        )
    radar = charts.radar([g.id for g in index.groups], series, ref)
    return Results(
        card,
        comparison.previous.fiscal_year if comparison else None,
        comparison,
        labels,
        national,
        overall,
        frameworks,
        groups,
        items,
        radar,
    )
