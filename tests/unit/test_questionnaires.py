"""The questionnaires package: the packaged 2019-07 definition, its fidelity to the research
file, and the loader's validation of broken definition files."""

from __future__ import annotations

import ast
import copy
import dataclasses
import functools
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

import questionnaires
from questionnaires import (
    DEFAULT_VERSION,
    IndexDefinitionError,
    UnknownVersionError,
    available_versions,
    load_index,
)
from questionnaires import loader as loader_module

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PACKAGE_DIR = PROJECT_ROOT / "questionnaires"
PACKAGED_FILE = PACKAGE_DIR / "dx-suishin-shihyo" / "2019-07.yaml"
SHARED_INDEX = PROJECT_ROOT.parent / "shared" / "reference" / "dx-suishin-shihyo-2019.yaml"

MGMT_IDS = (
    "1", "2", "3",
    "4", "4-1", "4-2", "4-3", "4-4",
    "5", "5-1", "5-2",
    "6", "6-1", "6-2", "6-3",
    "7", "7-1", "7-2", "7-3",
)  # fmt: skip
IT_IDS = (
    "8", "8-1", "8-2", "8-3", "8-4", "8-5", "8-6", "8-7", "8-8",
    "9", "9-1", "9-2", "9-3", "9-4", "9-5", "9-6",
)  # fmt: skip
EXPECTED_STEPS = (
    ("vision", "ビジョン・経営トップのコミットメント", ("1", "2", "3")),
    ("mindset", "マインドセット、企業文化", ("4", "4-1", "4-2", "4-3", "4-4")),
    ("promotion", "推進・サポート体制", ("5", "5-1", "5-2")),
    ("talent", "人材育成・確保", ("6", "6-1", "6-2", "6-3")),
    ("business", "事業への落とし込み", ("7", "7-1", "7-2", "7-3")),
    ("it-system", "ビジョン実現の基盤としてのITシステムの構築", IT_IDS[:9]),
    ("governance", "ガバナンス・体制", IT_IDS[9:]),
)


@pytest.fixture(scope="module")
def index():
    return load_index("2019-07")


@pytest.fixture(scope="module")
def shared_source():
    if not SHARED_INDEX.exists():
        pytest.skip(f"research file {SHARED_INDEX} is absent (it is present in CI)")
    return yaml.safe_load(SHARED_INDEX.read_text(encoding="utf-8"))


# -- the packaged 2019-07 definition -------------------------------------------------------------
def test_versions_and_default():
    assert DEFAULT_VERSION == "2019-07"
    assert "2019-07" in available_versions()
    assert available_versions() == tuple(sorted(available_versions()))
    assert load_index() is load_index("2019-07")  # cached, default version


def test_metadata(index):
    assert index.version_id == "2019-07"
    assert index.index_id == "meti-dx-suishin-shihyo"
    assert index.title == "DX推進指標（デジタル経営改革のための評価指標）"
    assert index.publisher == "経済産業省"
    assert index.published == "2019-07-31"
    assert "北海道経済産業局" in index.source
    assert "DX推進指標サマリー" in index.source


def test_item_counts_and_order(index):
    assert len(index.items) == 35
    assert index.item_ids == MGMT_IDS + IT_IDS
    assert sum(item.kind == "KQ" for item in index.items) == 9
    assert sum(item.kind == "SQ" for item in index.items) == 26
    assert [item.id for item in index.items if item.is_key_question] == [
        str(n) for n in range(1, 10)
    ]


def test_frameworks(index):
    mgmt, it = index.frameworks
    assert (mgmt.id, mgmt.name, mgmt.ipa_label) == ("mgmt", "DX推進の枠組み", "経営視点指標")
    assert (it.id, it.name, it.ipa_label) == ("it", "ITシステム構築の枠組み", "IT視点指標")
    assert mgmt.item_ids == MGMT_IDS
    assert it.item_ids == IT_IDS
    assert len(index.items_in_framework("mgmt")) == 19
    assert len(index.items_in_framework("it")) == 16
    assert {item.framework_id for item in index.items_in_framework("it")} == {"it"}


def test_levels(index):
    assert index.level_values == (0, 1, 2, 3, 4, 5)
    assert [level.name for level in index.levels] == [
        "未着手",
        "一部での散発的実施",
        "一部での戦略的実施",
        "全社戦略に基づく部門横断的推進",
        "全社戦略に基づく持続的実施",
        "グローバル市場におけるデジタル企業",
    ]
    assert (
        index.level(0).description == "経営者は無関心か、関心があっても具体的な取組に至っていない"
    )
    assert (
        index.level(5).description
        == "デジタル企業として、グローバル競争を勝ち抜くことのできるレベル"
    )


def test_items_fields(index):
    kq = index.item("4")
    sq = index.item("4-3")
    assert (kq.kind, kq.parent_id, kq.group_id, kq.is_key_question) == ("KQ", None, "4", True)
    assert (sq.kind, sq.parent_id, sq.group_id, sq.is_key_question) == ("SQ", "4", "4", False)
    assert (sq.category, sq.subcategory, sq.title) == ("仕組み", "マインドセット、企業文化", "評価")
    assert (
        sq.question
        == "上記のようなKPIに即し、プロジェクト評価や人事評価の仕組みが構築できているか。"
    )
    assert sq.question_verified is True
    assert sq.question_unverified is None
    assert sq.step_id == "mindset"
    assert index.item("9-4").title == "データ活用の人材連携"
    assert index.item("8-4").subcategory == "IT資産の仕分けとプランニング"
    assert index.item("7-1").subcategory is None


def test_items_3_and_6_have_no_official_question(index):
    for item_id, recalled_start in (("3", "ビジョンの実現に向けて"), ("6", "DX推進に必要な人材")):
        item = index.item(item_id)
        assert item.question is None
        assert item.question_verified is False
        assert item.question_unverified.startswith(recalled_start)
    unverified = [item.id for item in index.items if not item.question_verified]
    assert unverified == ["3", "6"]
    assert all(item.question for item in index.items if item.question_verified)


def test_groups(index):
    groups = index.groups
    assert [group.id for group in groups] == [str(n) for n in range(1, 10)]
    assert index.group("4").item_ids == ("4", "4-1", "4-2", "4-3", "4-4")
    assert index.group("8").item_ids == IT_IDS[:9]
    assert index.group("3").item_ids == ("3",)
    assert index.group("9").title == "ガバナンス・体制"
    assert index.group("9").framework_id == "it"
    flattened = [item_id for group in groups for item_id in group.item_ids]
    assert tuple(flattened) == index.item_ids


def test_steps_cover_every_item_once(index):
    assert [(s.id, s.title, s.item_ids) for s in index.steps] == list(EXPECTED_STEPS)
    covered = [item_id for step in index.steps for item_id in step.item_ids]
    assert sorted(covered) == sorted(index.item_ids)
    assert len(covered) == len(set(covered)) == 35
    for step in index.steps:
        assert all(index.item(i).step_id == step.id for i in step.item_ids)
        assert index.items_in_step(step.id) == tuple(index.item(i) for i in step.item_ids)


def test_step_navigation(index):
    assert index.has_step("talent") and not index.has_step("kpi")
    assert index.step("talent").title == "人材育成・確保"
    assert index.previous_step("vision") is None
    assert index.next_step("vision").id == "mindset"
    assert index.previous_step("mindset").id == "vision"
    assert index.next_step("business").id == "it-system"
    assert index.next_step("governance") is None
    with pytest.raises(KeyError):
        index.next_step("nope")


def test_kpi_groups_and_examples(index):
    assert [(g.id, g.framework_id) for g in index.kpi_groups] == [
        ("QC", "mgmt"),
        ("QD", "mgmt"),
        ("QI", "it"),
    ]
    assert index.kpi_group("QI").name == "ITシステム構築の取組状況"
    assert len(index.kpi_group("QC").guidance) == 3
    assert len(index.kpi_examples) == 22
    counts = {g.id: len(index.kpi_examples_in_group(g.id)) for g in index.kpi_groups}
    assert counts == {"QI": 8, "QD": 8, "QC": 6}
    freshness = index.kpi_example("QI-05")
    assert freshness.value_type == "ordered"
    assert freshness.scale == ("リアルタイム", "日次", "週次", "月次")
    assert freshness.name == "データ鮮度"
    assert all(e.scale is None for e in index.kpi_examples if e.id != "QI-05")


@pytest.mark.parametrize(
    ("example_id", "unit", "value_type"),
    [
        ("QI-01", None, "ratio"),
        ("QI-02", "人", "people"),
        ("QI-04", "円", "yen"),
        ("QI-06", "日", "days"),
        ("QI-07", "回", "times"),
        ("QI-08", "件", "count"),
        ("QD-01", "%", "percent"),
        ("QD-07", "件", "count"),
        ("QC-05", None, "number"),
    ],
)
def test_kpi_value_types(index, example_id, unit, value_type):
    example = index.kpi_example(example_id)
    assert (example.unit, example.value_type) == (unit, value_type)


def test_lookups_reject_unknown_ids(index):
    assert index.has_item("4-3") and not index.has_item("4-5") and not index.has_item(4)
    for lookup, bad in (
        (index.item, "10"),
        (index.step, "kpis"),
        (index.group, "4-1"),
        (index.framework, "ops"),
        (index.kpi_example, "QI-09"),
        (index.kpi_group, "QX"),
        (index.level, 6),
    ):
        with pytest.raises(KeyError):
            lookup(bad)


def test_objects_are_immutable(index):
    with pytest.raises(dataclasses.FrozenInstanceError):
        index.item("1").question = "改ざん"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        index.version_id = "2026-02"  # type: ignore[misc]
    assert isinstance(index.items, tuple) and isinstance(index.steps[0].item_ids, tuple)


def test_unknown_version():
    with pytest.raises(UnknownVersionError, match="2020-01"):
        load_index("2020-01")
    with pytest.raises(UnknownVersionError):
        load_index("../reference/bureaus")
    with pytest.raises(TypeError):
        load_index("2019-07", path=PACKAGED_FILE)


# -- fidelity to the research file (character for character) ----------------------------------
def test_questions_match_the_research_file(index, shared_source):
    checked = 0
    for src in shared_source["qualitative_items"]:
        item = index.item(src["id"])
        if src["question_status"] == "verbatim_seed":
            assert item.question == src["question_ja"], src["id"]
            assert item.question_verified is True
            checked += 1
        else:
            assert item.question is None
            assert item.question_verified is False
            assert item.question_unverified == src["question_ja_recalled_unverified"]
    assert checked == 33


def test_structure_matches_the_research_file(index, shared_source):
    rows = shared_source["qualitative_items"]
    assert [row["id"] for row in rows] == list(index.item_ids)
    for row in rows:
        item = index.item(row["id"])
        assert (item.kind, item.parent_id, item.framework_id) == (
            row["kind"],
            row["parent"],
            row["framework"],
        )
        assert (item.category, item.subcategory, item.title) == (
            row["category_ja"],
            row["subcategory_ja"],
            row["title_ja"],
        )
    for src, level in zip(shared_source["maturity_levels"], index.levels, strict=True):
        assert (level.value, level.name, level.description) == (
            src["level"],
            src["name_ja"],
            src["trait_ja"],
        )
    for src in shared_source["quantitative_groups"]:
        group = index.kpi_group(src["id"])
        assert (group.name, group.guidance) == (src["name_ja"], tuple(src["guidance_ja"]))
    for src in shared_source["quantitative_examples"]:
        example = index.kpi_example(src["id"])
        assert (example.group_id, example.category, example.name, example.description) == (
            src["group"],
            src["category_ja"],
            src["name_ja"],
            src["description_ja"],
        )


# -- broken definition files --------------------------------------------------------------------
@functools.cache
def _packaged_yaml() -> dict:
    return yaml.safe_load(PACKAGED_FILE.read_text(encoding="utf-8"))


def _packaged_data() -> dict:
    """A fresh, mutable copy of the packaged definition."""
    return copy.deepcopy(_packaged_yaml())


def _item(data: dict, item_id: str) -> dict:
    return next(item for item in data["items"] if item["id"] == item_id)


def _step(data: dict, step_id: str) -> dict:
    return next(step for step in data["steps"] if step["id"] == step_id)


def _example(data: dict, example_id: str) -> dict:
    return next(e for e in data["kpi_examples"] if e["id"] == example_id)


def _write(path: Path, data: dict) -> Path:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _duplicate_item(d):
    d["items"].append(copy.deepcopy(_item(d, "4-3")))


def _unknown_parent(d):
    _item(d, "4-3")["parent"] = "99"


def _sq_parent_is_sq(d):
    _item(d, "4-3")["parent"] = "4-1"


def _parent_in_other_framework(d):
    _item(d, "9-2")["parent"] = "7"


def _level_six(d):
    d["levels"].append({"value": 6, "name": "超越", "description": "存在しないレベル"})


def _missing_level(d):
    d["levels"] = [level for level in d["levels"] if level["value"] != 3]


def _duplicate_level(d):
    d["levels"][4]["value"] = 2


def _item_in_two_steps(d):
    _step(d, "vision")["items"].append("4-3")


def _item_twice_in_one_step(d):
    _step(d, "mindset")["items"].append("4-3")


def _item_in_no_step(d):
    _step(d, "governance")["items"].remove("9-6")


def _unknown_item_in_step(d):
    _step(d, "governance")["items"].append("10")


def _duplicate_step(d):
    _step(d, "talent")["id"] = "promotion"


def _unknown_framework(d):
    _item(d, "8")["framework"] = "ops"


def _missing_key(d):
    del _item(d, "5-2")["title"]


def _unknown_key(d):
    _item(d, "5-1")["qestion"] = _item(d, "5-1").pop("question")


def _numeric_id(d):
    _item(d, "9")["id"] = 9


def _kq_with_parent(d):
    _item(d, "5")["parent"] = "4"


def _sq_without_parent(d):
    _item(d, "6-2")["parent"] = None


def _bad_kind(d):
    _item(d, "7-2")["kind"] = "XQ"


def _verified_without_question(d):
    _item(d, "8-5")["question"] = None


def _unverified_with_question(d):
    _item(d, "3")["question"] = "推測した設問文"


def _child_before_parent(d):
    d["items"].insert(0, d["items"].pop(d["items"].index(_item(d, "2"))))
    _item(d, "2")["kind"] = "SQ"
    _item(d, "2")["parent"] = "1"


def _framework_count(d):
    d["frameworks"][1]["item_count"] = 15


def _kpi_unknown_group(d):
    _example(d, "QD-03")["group"] = "QZ"


def _ordered_without_scale(d):
    _example(d, "QI-05")["scale"] = None


def _scale_on_number(d):
    _example(d, "QC-02")["scale"] = ["高", "低"]


def _bad_value_type(d):
    _example(d, "QC-01")["value_type"] = "weeks"


def _missing_section(d):
    del d["steps"]


BROKEN_CASES: list[tuple[str, Callable[[dict], None], tuple[str, ...]]] = [
    ("duplicate_item", _duplicate_item, ("item '4-3'", "duplicate")),
    ("unknown_parent", _unknown_parent, ("item '4-3'", "'99'")),
    ("sq_parent_is_sq", _sq_parent_is_sq, ("item '4-3'", "'4-1'", "not a key question")),
    ("parent_other_framework", _parent_in_other_framework, ("item '9-2'", "another framework")),
    ("level_six", _level_six, ("level 6",)),
    ("missing_level", _missing_level, ("level 3", "missing")),
    ("duplicate_level", _duplicate_level, ("level 2", "duplicate")),
    ("item_in_two_steps", _item_in_two_steps, ("item '4-3'", "'mindset'", "'vision'")),
    ("item_twice_in_step", _item_twice_in_one_step, ("step 'mindset'", "'4-3' twice")),
    ("item_in_no_step", _item_in_no_step, ("item '9-6'", "no step")),
    ("unknown_item_in_step", _unknown_item_in_step, ("step 'governance'", "unknown item '10'")),
    ("duplicate_step", _duplicate_step, ("step 'promotion'", "duplicate")),
    ("unknown_framework", _unknown_framework, ("item '8'", "unknown framework 'ops'")),
    ("missing_key", _missing_key, ("item '5-2'", "missing", "title")),
    ("unknown_key", _unknown_key, ("item '5-1'", "unknown", "qestion")),
    ("numeric_id", _numeric_id, ("quoted id", "got 9")),
    ("kq_with_parent", _kq_with_parent, ("item '5'", "must not have a parent")),
    ("sq_without_parent", _sq_without_parent, ("item '6-2'", "needs a parent")),
    ("bad_kind", _bad_kind, ("item '7-2'", "XQ")),
    ("verified_no_question", _verified_without_question, ("item '8-5'", "question text")),
    ("unverified_question", _unverified_with_question, ("item '3'", "question null")),
    ("child_before_parent", _child_before_parent, ("item '2'", "after its parent '1'")),
    ("framework_count", _framework_count, ("framework 'it'", "item_count is 15 but 16")),
    ("kpi_unknown_group", _kpi_unknown_group, ("kpi example 'QD-03'", "'QZ'")),
    ("ordered_no_scale", _ordered_without_scale, ("kpi example 'QI-05'", "needs a scale")),
    ("scale_on_number", _scale_on_number, ("kpi example 'QC-02'", "only an ordered")),
    ("bad_value_type", _bad_value_type, ("kpi example 'QC-01'", "value_type")),
    ("missing_section", _missing_section, ("missing section", "steps")),
]


@pytest.mark.parametrize(
    ("case", "mutate", "expected"), BROKEN_CASES, ids=[case[0] for case in BROKEN_CASES]
)
def test_broken_file_is_rejected(tmp_path, case, mutate, expected):
    data = _packaged_data()
    mutate(data)
    path = _write(tmp_path / f"{case}.yaml", data)
    with pytest.raises(IndexDefinitionError) as caught:
        load_index(path=path)
    message = str(caught.value)
    assert f"{case}.yaml" in message
    for fragment in expected:
        assert fragment in message
    assert caught.value.path == str(path)
    assert caught.value.problems


def test_unmodified_copy_loads(tmp_path):
    path = _write(tmp_path / "copy.yaml", _packaged_data())
    assert load_index(path=path) == load_index("2019-07")


def test_all_problems_are_reported_together(tmp_path):
    data = _packaged_data()
    _unknown_parent(data)
    _level_six(data)
    _item_in_no_step(data)
    path = _write(tmp_path / "several.yaml", data)
    with pytest.raises(IndexDefinitionError) as caught:
        load_index(path=path)
    assert len(caught.value.problems) == 3
    assert "item '4-3'" in str(caught.value)
    assert "level 6" in str(caught.value)
    assert "item '9-6'" in str(caught.value)


@pytest.mark.parametrize(
    ("case", "text", "expected"),
    [
        ("malformed", "meta:\n  title: [unclosed\nitems:\n  - id: '1'\n", "malformed YAML"),
        ("not_a_mapping", "- just\n- a list\n", "top level must be a mapping"),
        ("empty", "", "top level must be a mapping"),
    ],
)
def test_unparseable_files_are_rejected(tmp_path, case, text, expected):
    path = tmp_path / f"{case}.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(IndexDefinitionError) as caught:
        load_index(path=path)
    assert f"{case}.yaml" in str(caught.value)
    assert expected in str(caught.value)


def test_section_that_is_not_a_list_is_rejected(tmp_path):
    data = _packaged_data()
    data["items"] = {"1": "ビジョンの共有"}
    path = _write(tmp_path / "items_mapping.yaml", data)
    with pytest.raises(
        IndexDefinitionError, match=r"(?s)items_mapping\.yaml.*items: must be a list"
    ):
        load_index(path=path)


def test_missing_file_is_rejected(tmp_path):
    with pytest.raises(IndexDefinitionError, match="absent.yaml"):
        load_index(path=tmp_path / "absent.yaml")


# -- a new version is just a new file -----------------------------------------------------------
SECOND_VERSION = """\
meta:
  index_id: meti-dx-suishin-shihyo
  version_id: "2026-02"
  title: DX推進指標（試験用の改訂版）
  source: テスト用に作成した架空の定義
  default_source: made-up
  synthetic: true
sources:
  - {id: made-up, title: 架空の文言, status: synthetic}
frameworks:
  - {id: dgc, name: デジタルガバナンス, item_count: 3}
levels:
  - {value: 0, name: L0, description: 未着手}
  - {value: 1, name: L1, description: 一部}
  - {value: 2, name: L2, description: 戦略的}
  - {value: 3, name: L3, description: 全社}
  - {value: 4, name: L4, description: 持続的}
  - {value: 5, name: L5, description: 社会価値}
items:
  - {id: "A1", kind: KQ, framework: dgc, category: 経営, title: 経営ビジョン,
     question_status: verified, question: ビジョンを示しているか。}
  - {id: "A1-1", parent: "A1", kind: SQ, framework: dgc, category: 経営, title: 共有,
     question_status: verified, question: 社内で共有しているか。}
  - {id: "B1", kind: KQ, framework: dgc, category: 基盤, title: データ,
     question_status: unverified}
steps:
  - {id: first, title: 経営, items: ["A1", "A1-1"]}
  - {id: second, title: 基盤, items: ["B1"]}
"""


def test_second_version_loads_from_a_path(tmp_path):
    path = tmp_path / "2026-02.yaml"
    path.write_text(SECOND_VERSION, encoding="utf-8")
    index = load_index(path=path)
    assert index.version_id == "2026-02"
    assert index.item_ids == ("A1", "A1-1", "B1")
    assert [f.id for f in index.frameworks] == ["dgc"]
    assert index.group("A1").item_ids == ("A1", "A1-1")
    assert index.item("B1").question is None and index.item("B1").question_unverified is None
    assert index.next_step("first").id == "second"
    assert index.kpi_groups == () and index.kpi_examples == ()


@pytest.fixture
def definitions_dir(tmp_path, monkeypatch):
    """Point the loader at a temporary definitions folder (and forget cached versions)."""
    folder = tmp_path / "dx-suishin-shihyo"
    folder.mkdir()
    (folder / "2019-07.yaml").write_bytes(PACKAGED_FILE.read_bytes())
    monkeypatch.setattr(loader_module, "DEFINITIONS_DIR", folder)
    loader_module._load_version.cache_clear()
    yield folder
    loader_module._load_version.cache_clear()


def test_new_version_file_is_picked_up_by_version_id(definitions_dir):
    (definitions_dir / "2026-02.yaml").write_text(SECOND_VERSION, encoding="utf-8")
    assert available_versions() == ("2019-07", "2026-02")
    assert load_index("2026-02").title == "DX推進指標（試験用の改訂版）"
    assert load_index("2019-07").version_id == "2019-07"


def test_version_id_must_match_file_name(definitions_dir):
    (definitions_dir / "2026-03.yaml").write_text(SECOND_VERSION, encoding="utf-8")
    with pytest.raises(IndexDefinitionError, match=r"(?s)2026-03\.yaml.*does not match"):
        load_index("2026-03")


# -- the package stays free of the web stack ----------------------------------------------------
def test_package_imports_only_stdlib_and_yaml():
    allowed = set(sys.stdlib_module_names) | {"yaml", "questionnaires", "__future__"}
    offenders = []
    for path in PACKAGE_DIR.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            offenders += [
                f"{path.name}: {name}" for name in names if name.split(".")[0] not in allowed
            ]
    assert offenders == []


def test_public_api():
    for name in ("load_index", "available_versions", "DEFAULT_VERSION", "IndexDefinitionError"):
        assert name in questionnaires.__all__


# The one-off build script is retired (the 2019-07 file is maintained by hand); these are the
# rules it applied to the research file's KPI units, kept as a check on the hand-kept file.
_UNIT_VALUE_TYPES = {
    "人": "people",
    "円": "yen",
    "%": "percent",
    "件": "count",
    "日": "days",
    "回": "times",
}


def test_kpi_value_types_follow_the_research_units(index, shared_source):
    for src in shared_source["quantitative_examples"]:
        example = index.kpi_example(src["id"])
        if example.value_type == "ordered":  # a freshness scale, best first; unit in the note
            assert example.unit is None and example.scale[0] == "リアルタイム", src["id"]
            assert f"[{src['unit']}]" in example.note
        elif example.value_type == "ratio":
            assert example.unit == src["unit"], src["id"]
        else:
            assert example.unit == src["unit"], src["id"]
            expected = "number" if src["unit"] is None else _UNIT_VALUE_TYPES[src["unit"]]
            assert example.value_type == expected, src["id"]


def test_the_2019_file_says_it_is_maintained_by_hand():
    header = PACKAGED_FILE.read_text(encoding="utf-8").split("\nmeta:", 1)[0]
    assert "Maintained by hand" in header
    assert not (PACKAGED_FILE.parents[1] / "tools" / "build_2019_07.py").exists()
