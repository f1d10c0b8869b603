"""The input guard's UTF-8 check decodes only the escaped runs; it must agree with decoding the
whole percent-decoded body (the reference it replaced) on every body whose raw bytes are UTF-8,
and refuse raw bytes that are not (Werkzeug cannot parse those either)."""

import random
from urllib.parse import quote_from_bytes, unquote_to_bytes

import pytest

from app.web.input_guard import _valid_utf8


def _reference(raw: bytes) -> bool:
    try:
        unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


@pytest.mark.parametrize(
    "raw, valid",
    [
        (b"", True),
        (b"a=1&b=x+y", True),
        (b"t=%E6%A0%B9%E6%8B%A0", True),  # 根拠
        (b"t=%e6%a0%b9", True),  # lower-case hex
        (b"t=%FF%FE", False),
        (b"t=%C3%28", False),  # a lead byte before an ASCII byte
        (b"t=%E6%A0", False),  # cut short
        (b"t=%E6%A0&u=%B9", False),  # a character split across fields
        (b"t=\xe6\xa0\xb9", True),  # sent unescaped
        (b"t=\xff", False),
        (b"t=%C3\xa9", False),  # an escaped lead byte, a raw continuation byte
        (b"t=%E6%A0%B9\xe6\xa0\xb9%E6%A0%B9", True),
        (b"t=%", True),
        (b"t=%G1%zz", True),  # not escapes: literal text
    ],
)
def test_known_bodies(raw, valid):
    assert _valid_utf8(raw) is valid


def test_agrees_with_decoding_the_whole_body():
    rng = random.Random(16)
    pieces = [
        b"a",
        b"=",
        b"&",
        b"+",
        b"%",
        b"%2",
        b"%41",
        b"%7F",
        b"%80",
        b"%C3",
        b"%A9",
        b"%E3",
        b"%81",
        b"%82",
        b"%F0",
        b"%9F",
        b"%FF",
        "é".encode(),
        "根".encode(),
    ]
    disagreements = []
    for _ in range(20000):
        raw = b"".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        if _valid_utf8(raw) != _reference(raw):
            disagreements.append(raw)
    assert disagreements == []


def test_every_escaped_text_is_valid():
    rng = random.Random(4)
    for _ in range(2000):
        text = "".join(
            chr(
                rng.choice(
                    [
                        rng.randint(32, 126),
                        rng.randint(0xA0, 0xD7FF),
                        rng.randint(0x10000, 0x10FFFF),
                    ]
                )
            )
            for _ in range(20)
        )
        assert _valid_utf8(("t=" + quote_from_bytes(text.encode())).encode())
