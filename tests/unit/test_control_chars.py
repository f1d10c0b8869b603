"""The control-character check of prose fields (app/web/form_fields.has_control_chars) is one
regular expression: it must refuse exactly Unicode's category Cc but tab, line feed and carriage
return, as the per-character category look-up it replaced did."""

import unicodedata

from app.web.form_fields import has_control_chars


def test_exactly_the_control_characters_but_tab_and_line_breaks():
    refused = [c for c in map(chr, range(0x110000)) if has_control_chars(f"a{c}b")]
    expected = [
        c
        for c in map(chr, range(0x110000))
        if unicodedata.category(c) == "Cc" and c not in "\t\n\r"
    ]
    assert refused == expected
    assert not has_control_chars("") and not has_control_chars(None)
