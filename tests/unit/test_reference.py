"""questionnaires.reference: prefectures and bureaus, JSIC, SME size classes, IPA figures."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from questionnaires import reference

SHARED_DIR = Path(__file__).resolve().parents[3] / "shared" / "reference"

MANUFACTURING = "manufacturing_and_other"


@pytest.fixture(scope="module")
def shared():
    if not SHARED_DIR.exists():
        pytest.skip(f"research tables in {SHARED_DIR} are absent (they are present in CI)")

    def read(name: str):
        return yaml.safe_load((SHARED_DIR / name).read_text(encoding="utf-8"))

    return read


# -- prefectures and bureaus -------------------------------------------------------------------
def test_prefectures_in_code_order():
    prefectures = reference.prefectures()
    assert len(prefectures) == 47
    assert list(prefectures) == [f"{n:02d}" for n in range(1, 48)]
    assert prefectures["01"] == "北海道"
    assert prefectures["13"] == "東京都"
    assert prefectures["26"] == "京都府"
    assert prefectures["47"] == "沖縄県"


def test_prefectures_returns_a_copy():
    reference.prefectures()["13"] = "改ざん"
    assert reference.prefectures()["13"] == "東京都"


def test_every_prefecture_in_exactly_one_bureau():
    bureaus = reference.bureaus()
    assert len(bureaus) == 9
    assigned = [code for bureau in bureaus for code in bureau.prefecture_codes]
    assert sorted(assigned) == sorted(reference.prefectures())
    assert len(assigned) == len(set(assigned)) == 47


@pytest.mark.parametrize(
    ("prefecture", "bureau_code", "bureau_name"),
    [
        ("13", "kanto", "関東経済産業局"),
        ("18", "kinki", "近畿経済産業局"),  # 福井
        ("22", "kanto", "関東経済産業局"),  # 静岡
        ("15", "kanto", "関東経済産業局"),  # 新潟
        ("16", "chubu", "中部経済産業局"),  # 富山
        ("01", "hokkaido", "北海道経済産業局"),
        ("35", "chugoku", "中国経済産業局"),  # 山口
        ("46", "kyushu", "九州経済産業局"),  # 鹿児島
        ("47", "okinawa", "沖縄総合事務局 経済産業部"),
    ],
)
def test_bureau_for_prefecture(prefecture, bureau_code, bureau_name):
    bureau = reference.bureau_for_prefecture(prefecture)
    assert (bureau.code, bureau.name) == (bureau_code, bureau_name)


def test_bureau_details():
    kanto = reference.bureau("kanto")
    assert kanto.seat == "さいたま市"
    assert len(kanto.prefecture_codes) == 11  # 1都10県
    assert reference.bureau("okinawa").seat == "那覇市"
    assert reference.bureau("kinki").prefecture_codes == (
        "18", "25", "26", "27", "28", "29", "30",
    )  # fmt: skip


@pytest.mark.parametrize("bad", ["48", "00", "13 ", "1", 13, "", None])
def test_unknown_prefecture_raises_key_error(bad):
    with pytest.raises(KeyError):
        reference.bureau_for_prefecture(bad)


def test_unknown_bureau_raises_key_error():
    with pytest.raises(KeyError):
        reference.bureau("tokai")


# -- JSIC and default SME sector ---------------------------------------------------------------
def test_jsic_divisions():
    divisions = reference.jsic_divisions()
    assert list(divisions) == [chr(c) for c in range(ord("A"), ord("T") + 1)]
    assert divisions["E"] == "製造業"
    assert divisions["I"] == "卸売業，小売業"
    assert divisions["N"] == "生活関連サービス業，娯楽業"
    assert divisions["T"] == "分類不能の産業"


@pytest.mark.parametrize(
    ("jsic", "sector"),
    [
        ("A", MANUFACTURING),
        ("D", MANUFACTURING),  # 建設業
        ("E", MANUFACTURING),
        ("H", MANUFACTURING),  # 運輸業
        ("J", MANUFACTURING),  # 金融業，保険業
        ("K", MANUFACTURING),  # 不動産業
        ("I", "wholesale"),
        ("G", "services"),
        ("L", "services"),
        ("M", "services"),
        ("N", "services"),
        ("O", "services"),
        ("P", "services"),
        ("Q", "services"),
        ("R", "services"),
        ("T", MANUFACTURING),
    ],
)
def test_default_sme_sector(jsic, sector):
    assert reference.default_sme_sector(jsic) == sector


def test_every_division_has_a_valid_default_sector():
    sector_ids = {sector.id for sector in reference.sme_sectors()}
    for code in reference.jsic_divisions():
        assert reference.default_sme_sector(code) in sector_ids


@pytest.mark.parametrize("bad", ["Z", "e", "", "EE"])
def test_default_sme_sector_unknown_division(bad):
    with pytest.raises(KeyError):
        reference.default_sme_sector(bad)


# -- size classes (中小企業基本法 第2条) -----------------------------------------------------------
def test_sme_sectors():
    sectors = {sector.id: sector for sector in reference.sme_sectors()}
    assert list(sectors) == [MANUFACTURING, "wholesale", "services", "retail"]
    limits = {
        sid: (s.sme_capital_max, s.sme_employees_max, s.small_employees_max)
        for sid, s in sectors.items()
    }
    assert limits == {
        MANUFACTURING: (300_000_000, 300, 20),
        "wholesale": (100_000_000, 100, 5),
        "services": (50_000_000, 100, 5),
        "retail": (50_000_000, 50, 5),
    }
    assert sectors["retail"].name == "小売業（飲食店を含む）"


@pytest.mark.parametrize(
    ("sector", "capital", "employees", "expected"),
    [
        # boundaries are inclusive ("以下")
        (MANUFACTURING, 300_000_000, None, "sme"),
        (MANUFACTURING, 300_000_000, 1000, "sme"),
        (MANUFACTURING, 300_000_001, 301, "large"),
        (MANUFACTURING, 300_000_001, 300, "sme"),
        (MANUFACTURING, 10_000_000_000, 21, "sme"),
        (MANUFACTURING, 10_000_000_000, 20, "small"),
        (MANUFACTURING, None, 20, "small"),
        ("retail", None, 5, "small"),
        ("retail", 60_000_000, 6, "sme"),
        ("retail", 50_000_001, 51, "large"),
        ("retail", 50_000_000, 51, "sme"),
        ("services", 100_000_000, 80, "sme"),  # capital too high, employees decide (OR rule)
        ("services", 100_000_000, 101, "large"),
        ("services", 50_000_000, 101, "sme"),
        ("wholesale", 100_000_000, 500, "sme"),
        ("wholesale", 100_000_001, 101, "large"),
        ("wholesale", 0, 0, "small"),
        # undecidable
        (MANUFACTURING, None, None, None),
        (MANUFACTURING, None, 500, None),  # capital could still make it an SME
        ("services", 1_000_000_000, None, None),
    ],
)
def test_size_class(sector, capital, employees, expected):
    assert reference.size_class(sector, capital, employees) == expected


@pytest.mark.parametrize(
    ("capital", "employees"), [(-1, 10), (10, -5), (1.5e8, 10), (10, True), ("300", 10)]
)
def test_size_class_rejects_bad_numbers(capital, employees):
    with pytest.raises(ValueError):
        reference.size_class(MANUFACTURING, capital, employees)


def test_size_class_unknown_sector():
    with pytest.raises(KeyError):
        reference.size_class("mining", 1, 1)


# -- IPA national figures -----------------------------------------------------------------------
def test_ipa_national_averages():
    averages = reference.ipa_national_averages()
    assert [a.data_year for a in averages] == [2019, 2020, 2021, 2022, 2023, 2024]
    first = averages[0]
    assert (first.published, first.companies) == ("2020-05-28", 248)
    assert (first.current_mean, first.target_mean, first.leading_share) == (1.43, 3.07, 0.044)
    assert first.current_median is None and first.frameworks == {}

    y2021 = reference.ipa_national_average(2021)
    assert (y2021.current_mean, y2021.target_mean, y2021.leading_share) == (1.95, None, 0.177)
    assert reference.ipa_national_average(2023).companies == 4047
    assert "9-4" in reference.ipa_national_average(2023).notes

    latest = averages[-1]
    assert (latest.current_median, latest.target_median) == (2.0, 3.0)
    assert set(latest.frameworks) == {"mgmt", "it"}
    assert latest.frameworks["mgmt"].current_mean == 1.66
    assert latest.frameworks["it"].target_mean == 3.34
    with pytest.raises(TypeError):
        latest.frameworks["mgmt"] = None  # read-only mapping


def test_ipa_national_average_unknown_year():
    with pytest.raises(KeyError):
        reference.ipa_national_average(2018)


# -- the packaged copies match the research tables -------------------------------------------------
def test_bureaus_match_research_table(shared):
    source = shared("bureaus.yaml")
    assert reference.prefectures() == source["prefectures"]
    assert [(b.code, b.name, b.seat, list(b.prefecture_codes)) for b in reference.bureaus()] == [
        (b["code"], b["name_ja"], b["seat_ja"], b["prefectures"]) for b in source["bureaus"]
    ]


def test_jsic_matches_research_table(shared):
    assert reference.jsic_divisions() == shared("jsic-2023.yaml")["divisions"]


def test_sme_sectors_match_research_table(shared):
    source = shared("sme-size.yaml")["sectors"]
    assert [
        (s.id, s.name, s.sme_capital_max, s.sme_employees_max, s.small_employees_max)
        for s in reference.sme_sectors()
    ] == [
        (
            row["id"],
            row["name_ja"],
            row["sme_capital_max"],
            row["sme_employees_max"],
            row["small_employees_max"],
        )
        for row in source
    ]


def test_ipa_figures_match_research_table(shared):
    source = shared("ipa-national-averages.yaml")["years"]
    keys = ("current_mean", "target_mean", "current_median", "target_median", "leading_share")
    for row, average in zip(source, reference.ipa_national_averages(), strict=True):
        assert average.data_year == row["data_year"]
        assert average.published == str(row["published"])
        assert average.companies == row["companies"]
        for key in keys:
            assert getattr(average, key) == row.get(key), (row["data_year"], key)
        for framework_id, values in (row.get("frameworks") or {}).items():
            for key, value in values.items():
                assert getattr(average.frameworks[framework_id], key) == value


def test_inconsistent_bureau_table_is_rejected(tmp_path, monkeypatch):
    data = yaml.safe_load((reference.DATA_DIR / "bureaus.yaml").read_text(encoding="utf-8"))
    data["bureaus"][3]["prefectures"].append("18")  # 福井 in 中部 as well as 近畿
    (tmp_path / "bureaus.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    monkeypatch.setattr(reference, "DATA_DIR", tmp_path)
    reference._bureau_data.cache_clear()
    try:
        with pytest.raises(reference.ReferenceDataError, match="bureaus.yaml"):
            reference.bureaus()
    finally:
        monkeypatch.undo()
        reference._bureau_data.cache_clear()
    assert reference.bureau_for_prefecture("18").code == "kinki"
