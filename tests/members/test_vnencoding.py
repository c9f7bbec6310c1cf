"""Legacy Vietnamese encodings (chibo.core.vnencoding): the full tables, round trips, the
detection heuristic, and refusals."""

from __future__ import annotations

import subprocess
import unicodedata

import pytest

from chibo.core.vnencoding import (
    LETTERS_WITH_DIACRITICS,
    TCVN3,
    TCVN3_DECODE,
    UNICODE,
    UNKNOWN_LEGACY,
    VNI,
    LegacyTextError,
    TextFixer,
    convert,
    decode_tcvn3,
    decode_vni,
    encode_tcvn3,
    encode_vni,
    has_vietnamese_unicode,
    legacy_bytes,
    legacy_text,
    looks_vietnamese,
)
from chibo.members.choices import ETHNIC_GROUPS

NAMES = ["Nguyễn Văn Ánh", "Đặng Thị Hồng", "Trần Quốc Tuấn", "Hà Ngọc Anh"]


def test_tables_cover_every_letter_with_a_diacritic():
    assert len(LETTERS_WITH_DIACRITICS) == 134  # 12 vowels x 5 tones + 7 letters, both cases
    for ch in LETTERS_WITH_DIACRITICS:
        assert decode_tcvn3(encode_tcvn3(ch)) == ch
        assert len(encode_tcvn3(ch)) == 1
        assert decode_vni(encode_vni(ch).encode("cp1252")) == ch
        assert 1 <= len(encode_vni(ch)) <= 2


def test_known_spellings():
    assert legacy_text(encode_tcvn3("Nguyễn Văn Ánh")) == "NguyÔn V¨n ƒnh"
    assert legacy_text(encode_tcvn3("Hà Ngọc Anh")) == "Hµ Ngäc Anh"
    assert encode_vni("Nguyễn Văn Ánh") == "Nguyeãn Vaên AÙnh"
    assert encode_vni("Đặng Thị Hồng") == "Ñaëng Thò Hoàng"
    assert encode_tcvn3("đ Đ") == b"\xae \xa7"


def test_tcvn3_table_matches_glibc_iconv():
    """The table agrees byte for byte with glibc's TCVN5712-1 where iconv is available."""
    try:
        probe = subprocess.run(["iconv", "-f", "TCVN5712-1", "-t", "UTF-8"], input=b"\xb5",
                               capture_output=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        pytest.skip("iconv not available")
    if probe.returncode != 0:
        pytest.skip("iconv has no TCVN5712-1")
    data = bytes(range(0x80, 0x100)) + bytes([0x01, 0x02, 0x04, 0x05, 0x06]) + bytes(range(0x11, 0x18))
    theirs = subprocess.run(["iconv", "-f", "TCVN5712-1", "-t", "UTF-8"], input=data, capture_output=True,
                            check=True).stdout.decode()
    ours = "".join(TCVN3_DECODE[b] for b in data)
    assert unicodedata.normalize("NFC", theirs) == unicodedata.normalize("NFC", ours)


@pytest.mark.parametrize("name", NAMES)
def test_round_trips(name):
    t3 = legacy_text(encode_tcvn3(name))
    vni = encode_vni(name)
    assert convert(t3, TCVN3) == name
    assert convert(vni, VNI) == name
    assert decode_tcvn3(legacy_bytes(t3) or b"") == name
    # as they come from the spreadsheet, the legacy forms do not read as Vietnamese
    assert looks_vietnamese(name)
    assert not looks_vietnamese(t3)
    assert not looks_vietnamese(vni)
    assert not has_vietnamese_unicode(t3) and not has_vietnamese_unicode(vni)
    assert has_vietnamese_unicode(name)


def test_detection_on_whole_files():
    names = NAMES + ETHNIC_GROUPS
    for encoding, encode in ((TCVN3, lambda s: legacy_text(encode_tcvn3(s))), (VNI, encode_vni)):
        texts = [encode(n) for n in names]
        fixer = TextFixer.detect(texts)
        assert fixer.encoding == encoding
        assert [fixer(t) for t in texts] == names
    fixer = TextFixer.detect(names)
    assert fixer.encoding == UNICODE
    assert [fixer(n) for n in names] == names


def test_unicode_text_is_left_alone_and_normalised():
    nfd = unicodedata.normalize("NFD", "Nguyễn Thị Hòa")
    fixer = TextFixer.detect([nfd, "Trường THPT “Hòn Gai”"])
    assert fixer.encoding == UNICODE
    assert fixer(nfd) == "Nguyễn Thị Hòa"
    assert fixer("김민준") == "김민준"  # other scripts are not legacy text
    assert fixer("علی") == "علی"


def test_a_mixed_file_converts_only_the_legacy_cells():
    texts = ["Nguyễn Thị Lan", legacy_text(encode_tcvn3("Trần Quốc Tuấn")), "Hà Nội"]
    fixer = TextFixer.detect(texts)
    assert fixer.encoding == TCVN3 and fixer.mixed
    assert [fixer(t) for t in texts] == ["Nguyễn Thị Lan", "Trần Quốc Tuấn", "Hà Nội"]


def test_legacy_looking_text_that_cannot_be_converted_is_refused():
    garbage = ["V¨n Ñaëng", "§¸ ÑÑ"]
    fixer = TextFixer.detect(garbage)
    assert fixer.encoding == UNKNOWN_LEGACY
    with pytest.raises(LegacyTextError):
        fixer(garbage[0])
    # a VNI mark with no vowel before it
    with pytest.raises(LegacyTextError):
        decode_vni("Hù".encode("cp1252"))


def test_syllable_check():
    for ok in ["Nguyễn", "Khuyến", "giường", "Quốc", "Hrê", "Xtiêng", "ĐẢNG", "Ơ Đu"]:
        assert looks_vietnamese(ok), ok
    for bad in ["NguyÔn", "V¨n", "Vaên", "Traàn", "Haø", "Müller"]:
        assert not looks_vietnamese(bad), bad
