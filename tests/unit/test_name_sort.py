"""Client names sort without guessed readings: legal forms left out, katakana as hiragana,
full-width as half-width; kanji by code point (documented in app/advisors/naming.py)."""

from app.advisors.naming import name_sort_key


def test_names_sort_by_their_name_not_their_legal_form_or_script():
    names = [
        "株式会社さくら精機",
        "東京製作所",
        "サクラ商事",
        "さくら精機株式会社",
        "（株）あおば",
        "あおい工業",
        "ＡＢＣ株式会社",
        "abc有限会社",
    ]
    assert sorted(names, key=name_sort_key) == [
        "ＡＢＣ株式会社",  # full-width ABC as abc; then the tie by the normalised name
        "abc有限会社",
        "あおい工業",
        "（株）あおば",  # not among names starting with （
        "サクラ商事",  # katakana beside hiragana: さくらしょうじ < さくら精機
        "さくら精機株式会社",
        "株式会社さくら精機",  # the same name with the legal form in front: next to it
        "東京製作所",  # kanji: code point, no reading is invented
    ]


def test_a_name_that_is_only_a_legal_form_still_sorts():
    assert name_sort_key("株式会社") == ("株式会社", "株式会社")
