"""Extra definition folders (tests only): their versions load by id like packaged ones, are
validated the same way, and never shadow a packaged version."""

from pathlib import Path

import pytest

from questionnaires import IndexDefinitionError, available_versions, load_index
from questionnaires import loader as loader_module

TINY_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "questionnaires"


@pytest.fixture
def extra_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(loader_module, "EXTRA_DEFINITIONS_DIRS", (TINY_DIR, tmp_path))
    loader_module._load_version.cache_clear()
    yield tmp_path
    loader_module._load_version.cache_clear()


def test_a_version_in_an_extra_folder_loads_by_id(extra_dir):
    assert available_versions() == ("2019-07", "test-tiny")
    tiny = load_index("test-tiny")
    assert tiny.item_ids == ("T1", "T1-1", "T2")
    assert [s.id for s in tiny.steps] == ["first", "second"]
    assert [f.id for f in tiny.frameworks] == ["mgmt", "it"]


def test_the_packaged_version_wins_over_a_same_named_extra_file(extra_dir):
    (extra_dir / "2019-07.yaml").write_text(
        (TINY_DIR / "test-tiny.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    assert len(load_index("2019-07").items) == 35


def test_extra_files_are_validated_like_packaged_ones(extra_dir):
    text = (TINY_DIR / "test-tiny.yaml").read_text(encoding="utf-8")
    broken = text.replace("version_id: test-tiny", "version_id: broken").replace(
        "item_count: 1}", "item_count: 2}"
    )
    (extra_dir / "broken.yaml").write_text(broken, encoding="utf-8")
    with pytest.raises(IndexDefinitionError, match="item_count is 2 but 1 items use it"):
        load_index("broken")


def test_without_extra_folders_only_packaged_versions_exist():
    assert loader_module.EXTRA_DEFINITIONS_DIRS == ()
    assert available_versions() == ("2019-07",)
