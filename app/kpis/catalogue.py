"""METI's example indicators (定量指標の例), read from the index data file, in their groups."""

from dataclasses import dataclass

from questionnaires import KpiExample, KpiGroup, load_index

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


def find_example(index_version: str, example_id: str | None) -> KpiExample | None:
    if not example_id:
        return None
    return next((e for e in load_index(index_version).kpi_examples if e.id == example_id), None)


def suggested_direction(example: KpiExample | None) -> str:
    return "lower" if example is not None and example.id in LOWER_IS_BETTER else "higher"
