"""The example indicators (定量指標の例) of an index version, in their groups.

A company is offered the catalogue of the index version of its assessment for the running
fiscal year (else of its newest earlier assessment, else the default version for new
assessments): after a revision the examples follow the version the company answers with. An
indicator remembers the version its example came from (``example_version``), so it keeps
showing that example whatever the company answers with later."""

from dataclasses import dataclass

from sqlalchemy import select

from app.companies.fiscal import fiscal_year_of, today_jst
from app.extensions import db
from app.indexes import services as index_versions
from app.models import Assessment
from questionnaires import (
    IndexDefinitionError,
    KpiExample,
    KpiGroup,
    UnknownVersionError,
    load_index,
)
from questionnaires.loader import available_versions

# The examples do not say which way is better. These suggestions only pre-select the form;
# the company chooses (time to market, closing days, lead times and cycle times are shorter
# when better).
LOWER_IS_BETTER = frozenset({"QI-06", "QC-01", "QC-04", "QC-05", "QC-06"})
GROUP_ORDER = ("QC", "QD", "QI")


@dataclass(frozen=True)
class CatalogueGroup:
    group: KpiGroup
    examples: tuple[KpiExample, ...]


def catalogue(index_version: str) -> list[CatalogueGroup]:
    index = load_index(index_version)
    order = {gid: n for n, gid in enumerate(GROUP_ORDER)}
    groups = sorted(index.kpi_groups, key=lambda g: order.get(g.id, len(order)))
    return [
        CatalogueGroup(g, tuple(e for e in index.kpi_examples if e.group_id == g.id))
        for g in groups
    ]


def catalogue_version(company) -> str:
    """The index version whose examples ``company`` is offered (see the module docstring)."""
    year = fiscal_year_of(today_jst(), company.fiscal_year_start_month)
    version = db.session.scalar(
        select(Assessment.index_version)
        .where(Assessment.company_id == company.id, Assessment.fiscal_year <= year)
        .order_by(Assessment.fiscal_year.desc())
        .limit(1)
    )
    if version is None or version not in available_versions():
        return index_versions.default_version()
    return version


def find_example(index_version: str, example_id: str | None) -> KpiExample | None:
    if not example_id:
        return None
    try:
        examples = load_index(index_version).kpi_examples
    except (IndexDefinitionError, UnknownVersionError):
        return None
    return next((e for e in examples if e.id == example_id), None)


def example_of(indicator, company_version: str) -> KpiExample | None:
    """The example an indicator was made from, in the version it came from. Indicators made
    before the version was recorded: the company's catalogue, else the default version."""
    if not indicator.example_id:
        return None
    if indicator.example_version:
        return find_example(indicator.example_version, indicator.example_id)
    for version in (company_version, index_versions.default_version()):
        example = find_example(version, indicator.example_id)
        if example is not None:
            return example
    return None


def suggested_direction(example: KpiExample | None) -> str:
    return "lower" if example is not None and example.id in LOWER_IS_BETTER else "higher"
