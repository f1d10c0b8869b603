"""Index versions as data: the extended schema (sources, item-specific criteria, leading rule,
pillars), the synthetic second version, the corpus of broken files and version mappings."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from questionnaires import IndexDefinitionError, load_index
from questionnaires import loader as loader_module
from questionnaires.loader import parse_definition
from questionnaires.mapping import load_mapping

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "index_versions"
SYNTHETIC = FIXTURES / "synthetic-2026.yaml"
MAPPING = FIXTURES / "2019-07_to_synthetic-2026.yaml"
BROKEN = sorted((FIXTURES / "broken").glob("*.yaml"))
PACKAGED_FILE = Path(loader_module.DEFINITIONS_DIR) / "2019-07.yaml"


@pytest.fixture(scope="module")
def synthetic():
    return load_index(path=SYNTHETIC)


def _expected(path: Path) -> list[str]:
    return re.findall(r"^# expect: (.+)$", path.read_text(encoding="utf-8"), re.MULTILINE)


# -- the synthetic second version --------------------------------------------------------------
def test_synthetic_version_structure_comes_from_its_file(synthetic):
    assert synthetic.version_id == "synthetic-2026"
    assert synthetic.synthetic is True
    assert synthetic.framework_label == "柱"
    assert [f.id for f in synthetic.frameworks] == ["P1", "P2", "P3"]
    assert [len(f.item_ids) for f in synthetic.frameworks] == [4, 4, 4]
    assert synthetic.item_count == 12
    assert [g.id for g in synthetic.groups] == ["A1", "B1", "C1"]
    assert [level.name for level in synthetic.levels][0] == "はじめの一歩"
    assert len(synthetic.kpi_examples) == 5
    assert synthetic.leading_rule.threshold == 4
    assert synthetic.leading_rule.scale == "current"


def test_synthetic_items_have_criteria_for_every_level(synthetic):
    for item in synthetic.items:
        assert [value for value, _ in item.criteria] == list(synthetic.level_values)
        assert item.criterion(3) == f"項目{item.id}のレベル3の基準"
    assert synthetic.has_item_criteria


def test_every_text_of_the_synthetic_version_names_a_synthetic_source(synthetic):
    assert {s.status for s in synthetic.sources} == {"synthetic"}
    assert all(not s.shown_as_official for s in synthetic.sources)
    assert all(level.source_id == "synthetic-texts" for level in synthetic.levels)
    assert all(e.source_id == "synthetic-texts" for e in synthetic.kpi_examples)


# -- the 2019 file -------------------------------------------------------------------------------
def test_2019_has_no_item_criteria_and_its_header_says_why():
    index = load_index("2019-07")
    assert not index.has_item_criteria
    assert all(item.criteria is None and item.criteria_unverified is None for item in index.items)
    header = PACKAGED_FILE.read_text(encoding="utf-8").split("\nmeta:")[0]
    assert "criteria" in header and "EMPTY for all 35 items" in header
    assert "§3.2: not found" in header


def test_2019_texts_all_name_a_verified_source():
    index = load_index("2019-07")
    assert {s.status for s in index.sources} == {"verified"}
    assert {level.source_id for level in index.levels} == {"levels-2019"}
    assert index.leading_rule.threshold == 3 and index.leading_rule.scope == "overall"
    assert index.synthetic is False


def test_unverified_criteria_are_kept_but_never_shown():
    text = SYNTHETIC.read_text(encoding="utf-8").replace(
        "- id: synthetic-texts\n",
        "- id: hearsay\n  title: 記憶\n  status: unverified\n- id: synthetic-texts\n",
    )
    text = text.replace(
        "question: 試験項目A1-1に取り組んでいるか。,",
        "question: 試験項目A1-1に取り組んでいるか。, criteria_source: hearsay,",
    )
    index = parse_definition(text)
    item = index.item("A1-1")
    assert item.criteria is None and item.criterion(2) is None
    assert dict(item.criteria_unverified)[2] == "項目A1-1のレベル2の基準"
    assert index.item("A1").criterion(2) == "項目A1のレベル2の基準"


# -- the corpus of broken files ------------------------------------------------------------------
@pytest.mark.parametrize("path", [p for p in BROKEN if not p.name.startswith("mapping")], ids=str)
def test_broken_file_reports_its_specific_problems(path):
    expected = _expected(path)
    assert expected, f"{path.name} must say which problems it expects"
    with pytest.raises(IndexDefinitionError) as caught:
        load_index(path=path)
    for pattern in expected:
        assert any(re.search(pattern, p) for p in caught.value.problems), (
            pattern,
            caught.value.problems,
        )


def test_many_problems_are_all_reported_in_one_error():
    path = FIXTURES / "broken" / "many-problems.yaml"
    with pytest.raises(IndexDefinitionError) as caught:
        load_index(path=path)
    assert len(caught.value.problems) >= len(_expected(path)) == 4


def test_a_synthetic_source_requires_the_version_to_say_it_is_not_official():
    text = SYNTHETIC.read_text(encoding="utf-8").replace("  synthetic: true\n", "")
    with pytest.raises(IndexDefinitionError, match="a synthetic source needs meta.synthetic"):
        parse_definition(text)


def test_criteria_for_an_unknown_level_are_refused():
    text = SYNTHETIC.read_text(encoding="utf-8").replace(
        "5: 項目C1-3のレベル5の基準}", "5: 項目C1-3のレベル5の基準, 6: 余分}"
    )
    with pytest.raises(IndexDefinitionError, match=r"item 'C1-3': criteria: unknown level 6"):
        parse_definition(text)


# -- mappings between versions -------------------------------------------------------------------
def test_mapping_carries_levels_only_where_exactly_one_older_item_corresponds(synthetic):
    mapping = load_mapping(MAPPING, load_index("2019-07"), synthetic)
    carried = mapping.carry_over({"1": 2, "4": 3, "8": 1, "9": 4, "2": 5}, synthetic.item_ids)
    assert carried["A1"] == 2
    assert carried["B1"] == carried["B1-1"] == 3  # a split keeps the older level
    assert carried["C1"] is None  # a merge of two older items: 比較不可
    assert carried["A1-1"] is None  # nothing maps to it: 比較不可
    assert sum(v is not None for v in carried.values()) == 3


def test_mapping_to_unknown_items_reports_every_problem(synthetic):
    path = FIXTURES / "broken" / "mapping-unknown-item.yaml"
    with pytest.raises(IndexDefinitionError) as caught:
        load_mapping(path, load_index("2019-07"), synthetic)
    for pattern in _expected(path):
        assert any(re.search(pattern, p) for p in caught.value.problems), pattern
    assert len(caught.value.problems) == 3


# -- year over year across versions (scoring R10 with a mapping) ---------------------------------
def test_compare_years_through_a_mapping_compares_items_only(synthetic):
    from scoring import YearCard, compare_years, score_assessment, structure_from_index

    older = load_index("2019-07")
    old_card = score_assessment(
        structure_from_index(older), {i: (1, 3) for i in older.item_ids} | {"1": (2, 4)}
    )
    new_card = score_assessment(
        structure_from_index(synthetic), {i: (3, 5) for i in synthetic.item_ids}
    )
    before = YearCard(2025, "2019-07", old_card)
    now = YearCard(2026, SYNTHETIC.stem, new_card)
    mapping = load_mapping(MAPPING, older, synthetic)
    predecessors = {i: mapping.predecessor(i) for i in synthetic.item_ids}

    plain = compare_years(now, [before])
    assert not plain.comparable and not plain.mapped

    asked = []

    def mapping_for(old_version, new_version):
        asked.append((old_version, new_version))
        return predecessors

    mapped = compare_years(now, [before], mapping_for=mapping_for)
    assert asked == [("2019-07", "synthetic-2026")]
    assert mapped.comparable and mapped.mapped
    assert mapped.delta.items["A1"].current == 3 - 2 and mapped.delta.items["A1"].target == 1
    assert mapped.delta.items["B1-1"].current == 3 - 1  # split: continues item 4
    assert mapped.delta.items["C1"].current is None  # merge of 8 and 9: not comparable
    assert mapped.delta.items["A1-1"].current is None  # no predecessor
    assert mapped.delta.overall.current is None  # means over different item sets
    assert all(c.current is None for c in mapped.delta.frameworks.values())
    assert mapped.previous_item_id("B1") == "4" and mapped.previous_item_id("A1-1") is None
    # The same version needs no mapping and is not asked for one.
    asked.clear()
    same = compare_years(YearCard(2026, "2019-07", old_card), [before], mapping_for=mapping_for)
    assert asked == [] and same.comparable and not same.mapped
    assert same.previous_item_id("4-1") == "4-1"
