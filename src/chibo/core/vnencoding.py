"""Legacy Vietnamese 8-bit encodings: TCVN3 (ABC, TCVN 5712:1993) and VNI-Windows.

Spreadsheets typed before Unicode kept Vietnamese in 8-bit fonts (.VnTime, VNI-Times): the bytes
are ordinary Windows-1252 code points that the font draws as Vietnamese letters. Excel stores them
as the Windows-1252 characters, so "Nguyễn" typed in TCVN3 reaches us as "NguyÔn", and in VNI as
"Nguyeãn". A CSV saved from such a sheet carries the raw bytes.

- `legacy_bytes()` recovers the bytes behind such text (Windows-1252, or Latin-1 for the five code
  points Windows-1252 leaves undefined and for C0 controls); `legacy_text()` is its inverse.
- `decode_tcvn3()`/`encode_tcvn3()`: TCVN3 is one byte per letter; the full table (TCVN 5712 VN1)
  has all 134 precomposed letters with a diacritic, upper and lower case, including đ and Đ, plus
  five combining tone marks.
- `decode_vni()`/`encode_vni()`: VNI writes a base letter followed by a mark byte ("a" + "ù" = "á",
  "a" + "â" = "â", "a" + "á" = "ấ"); ơ, ư, đ and the toned i letters are single bytes.
- `decode_cp1258()`/`encode_cp1258()`: Windows-1258 (Microsoft's Vietnamese code page) keeps
  some precomposed letters and writes the other tones as combining marks after the vowel.
- `vietnamese_score()`: how well decoded text fits Vietnamese syllable structure, the tone mark
  included (on the main vowel: "Thị", never "Thiũ"): the detection scores each candidate
  decoding with it, which tells Windows-1258 from TCVN3 and VNI.
- `looks_vietnamese()`: every word is a plausible Vietnamese syllable (letters, case, one tone,
  vowel cluster). Legacy text read as Unicode fails it ("NguyÔn", "V¨n", "Vaên"); decoded, it passes.
- `TextFixer.detect(texts)` decides for a whole file and converts cell by cell, raising
  `LegacyTextError` when text looks legacy but cannot be converted cleanly.

Everything returned is NFC.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

UNICODE = "unicode"
TCVN3 = "tcvn3"
VNI = "vni"
CP1258 = "cp1258"  # Windows-1258: Latin letters, ă â ê ô ơ ư đ, and the tones as combining marks
UNKNOWN_LEGACY = "unknown_legacy"


class LegacyTextError(ValueError):
    """Text in a legacy encoding that cannot be converted cleanly."""


# --- Vietnamese letters -------------------------------------------------------------------------

ACUTE, GRAVE, HOOK, TILDE, DOT = "\u0301", "\u0300", "\u0309", "\u0303", "\u0323"
TONES = (ACUTE, GRAVE, HOOK, TILDE, DOT)
_BASE_VOWELS = "aăâeêioôơuưy"


def _with_tone(base: str, tone: str) -> str:
    return unicodedata.normalize("NFC", base + tone)


VOWEL_LETTERS: frozenset[str] = frozenset(
    _with_tone(case(base), tone) for base in _BASE_VOWELS for tone in ("", *TONES) for case in (str.lower, str.upper)
)
LETTERS_WITH_DIACRITICS: frozenset[str] = frozenset(
    ch for ch in VOWEL_LETTERS if not ch.isascii()
) | {"đ", "Đ"}
assert len(LETTERS_WITH_DIACRITICS) == 134  # noqa: S101 (a table invariant, checked at import)

# Letters that only Vietnamese Unicode text contains: precomposed letters outside Latin-1.
_VIETNAMESE_ONLY = frozenset(ch for ch in LETTERS_WITH_DIACRITICS if ord(ch) > 0xFF)
_COMBINING_VIETNAMESE = frozenset((*TONES, "\u0302", "\u0306", "\u031b"))


def has_vietnamese_unicode(text: str) -> bool:
    """True when `text` holds letters that only proper Vietnamese Unicode produces (ă, đ, ơ, ư,
    ạ, ễ…, or combining tone marks): such text is not in a legacy 8-bit encoding."""
    return any(ch in _VIETNAMESE_ONLY or ch in _COMBINING_VIETNAMESE for ch in text)


# --- the bytes behind the text --------------------------------------------------------------------

_CP1252_TO_BYTE: dict[str, int] = {}
for _b in range(0x80, 0xA0):
    try:
        _CP1252_TO_BYTE[bytes([_b]).decode("cp1252")] = _b
    except UnicodeDecodeError:  # 0x81, 0x8D, 0x8F, 0x90, 0x9D: undefined in Windows-1252
        pass


def legacy_bytes(text: str) -> bytes | None:
    """The 8-bit bytes behind `text` as a Windows application shows them, or None when `text`
    holds characters that no single byte produces (so it is not legacy text)."""
    out = bytearray()
    for ch in text:
        o = ord(ch)
        if o < 0x100:
            out.append(o)
        elif ch in _CP1252_TO_BYTE:
            out.append(_CP1252_TO_BYTE[ch])
        else:
            return None
    return bytes(out)


def legacy_text(data: bytes) -> str:
    """How a Windows application (Excel) shows 8-bit bytes: Windows-1252, with the undefined
    code points kept as C1 controls. The inverse of `legacy_bytes()`."""
    out = []
    for b in data:
        if 0x80 <= b < 0xA0:
            try:
                out.append(bytes([b]).decode("cp1252"))
            except UnicodeDecodeError:
                out.append(chr(b))
        else:
            out.append(chr(b))
    return "".join(out)


# --- TCVN3 ------------------------------------------------------------------------------------------

# TCVN 5712:1993 (VN1, a superset of the ABC/VN3 fonts' table), bytes 0x80-0xFF. 0xB0-0xB4 are
# combining tone marks; 0xA0 is a no-break space. Checked against glibc iconv's TCVN5712-1.
_TCVN3_80_FF = (
    "ÀẢÃÁẠẶẬÈẺẼÉẸỆÌỈĨ"  # 0x80
    "ÍỊÒỎÕÓỌỘỜỞỠỚỢÙỦŨ"  # 0x90
    "\u00a0ĂÂÊÔƠƯĐăâêôơưđẰ"  # 0xA0
    "\u0300\u0309\u0303\u0301\u0323àảãáạẲằẳẵắẴ"  # 0xB0
    "ẮẦẨẪẤỀặầẩẫấậèỂẻẽ"  # 0xC0
    "éẹềểễếệìỉỄẾỒĩíịò"  # 0xD0
    "Ổỏõóọồổỗốộờởỡớợù"  # 0xE0
    "ỖủũúụừửữứựỳỷỹýỵỐ"  # 0xF0
)
# The capital U and Y letters that do not fit above sit on C0 control codes.
_TCVN3_C0 = {0x01: "Ú", 0x02: "Ụ", 0x04: "Ừ", 0x05: "Ử", 0x06: "Ữ", 0x11: "Ứ", 0x12: "Ự",
             0x13: "Ỳ", 0x14: "Ỷ", 0x15: "Ỹ", 0x16: "Ý", 0x17: "Ỵ"}
assert len(_TCVN3_80_FF) == 128  # noqa: S101

TCVN3_DECODE: dict[int, str] = {b: chr(b) for b in range(0x100)}
TCVN3_DECODE.update(_TCVN3_C0)
TCVN3_DECODE.update({0x80 + i: ch for i, ch in enumerate(_TCVN3_80_FF)})
TCVN3_ENCODE: dict[str, int] = {ch: b for b, ch in TCVN3_DECODE.items()}
assert LETTERS_WITH_DIACRITICS <= set(TCVN3_ENCODE)  # noqa: S101 (all 134 letters have a byte)


def decode_tcvn3(data: bytes) -> str:
    return unicodedata.normalize("NFC", "".join(TCVN3_DECODE[b] for b in data))


def encode_tcvn3(text: str) -> bytes:
    """Unicode -> TCVN3 bytes (for tests and round trips). Raises `LegacyTextError` for a
    character TCVN3 has no byte for."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        if ch in TCVN3_ENCODE:
            out.append(TCVN3_ENCODE[ch])
        else:
            raise LegacyTextError(f"no TCVN3 byte for {ch!r}")
    return bytes(out)


# --- VNI-Windows ------------------------------------------------------------------------------------

# Mark bytes (upper-case forms; the lower-case letter takes the lower-case mark).
_VNI_TONE = {"": "", ACUTE: "Ù", GRAVE: "Ø", HOOK: "Û", TILDE: "Õ", DOT: "Ï"}
_VNI_CIRCUMFLEX = {"": "Â", ACUTE: "Á", GRAVE: "À", HOOK: "Å", TILDE: "Ã", DOT: "Ä"}
_VNI_BREVE = {"": "Ê", ACUTE: "É", GRAVE: "È", HOOK: "Ú", TILDE: "Ü", DOT: "Ë"}
_VNI_I = {"": "I", ACUTE: "Í", GRAVE: "Ì", HOOK: "Æ", TILDE: "Ó", DOT: "Ò"}
_VNI_MARKS = frozenset(
    m for table in (_VNI_TONE, _VNI_CIRCUMFLEX, _VNI_BREVE) for m in table.values() if m
) | frozenset(m.lower() for table in (_VNI_TONE, _VNI_CIRCUMFLEX, _VNI_BREVE) for m in table.values() if m)


def _vni_upper(base: str, tone: str) -> str:
    """The VNI spelling (upper case) of the upper-case vowel `base` with `tone`."""
    if base == "I":
        return _VNI_I[tone]
    if base == "Y" and tone == DOT:
        return "Î"
    if base in "AEOUY":
        return base + _VNI_TONE[tone]
    if base in "ÂÊÔ":
        return {"Â": "A", "Ê": "E", "Ô": "O"}[base] + _VNI_CIRCUMFLEX[tone]
    if base == "Ă":
        return "A" + _VNI_BREVE[tone]
    if base == "Ơ":
        return "Ô" + _VNI_TONE[tone]
    if base == "Ư":
        return "Ö" + _VNI_TONE[tone]
    raise AssertionError(base)


VNI_ENCODE: dict[str, str] = {"Đ": "Ñ", "đ": "ñ"}
for _base in _BASE_VOWELS.upper():
    for _tone in ("", *TONES):
        _upper = _with_tone(_base, _tone)
        VNI_ENCODE[_upper] = _vni_upper(_base, _tone)
        VNI_ENCODE[_upper.lower()] = _vni_upper(_base, _tone).lower()
VNI_DECODE: dict[str, str] = {v: k for k, v in VNI_ENCODE.items()}
# Lenient: a mark typed in the other case than its letter still decodes (to the letter's case).
for _spelling, _letter in list(VNI_DECODE.items()):
    if len(_spelling) == 2:
        VNI_DECODE.setdefault(_spelling[0] + _spelling[1].swapcase(), _letter)
assert len([k for k in VNI_ENCODE if not k.isascii()]) == 134  # noqa: S101


def encode_vni(text: str) -> str:
    """Unicode -> VNI as Windows shows it (Windows-1252 characters); `.encode("cp1252")` gives
    the bytes. Raises `LegacyTextError` for characters VNI cannot write."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        if ch in VNI_ENCODE:
            out.append(VNI_ENCODE[ch])
        elif ch.isascii():
            out.append(ch)
        else:
            raise LegacyTextError(f"no VNI spelling for {ch!r}")
    return "".join(out)


def decode_vni(data: bytes) -> str:
    """VNI bytes -> Unicode NFC. Raises `LegacyTextError` for a mark with no letter before it or
    a byte VNI does not use."""
    text = legacy_text(data)
    out = []
    i = 0
    while i < len(text):
        pair = text[i:i + 2]
        if len(pair) == 2 and pair in VNI_DECODE:
            out.append(VNI_DECODE[pair])
            i += 2
            continue
        ch = text[i]
        if ch in VNI_DECODE:
            out.append(VNI_DECODE[ch])
        elif ch in _VNI_MARKS:
            raise LegacyTextError(f"VNI mark {ch!r} without a vowel before it")
        elif ord(ch) >= 0x80 and ch != "\u00a0":
            raise LegacyTextError(f"{ch!r} is not used by VNI")
        else:
            out.append(ch)
        i += 1
    return unicodedata.normalize("NFC", "".join(out))


# --- Windows-1258 -----------------------------------------------------------------------------------


def decode_cp1258(data: bytes) -> str:
    try:
        return unicodedata.normalize("NFC", data.decode("cp1258"))
    except UnicodeDecodeError as exc:
        raise LegacyTextError("not Windows-1258") from exc


def encode_cp1258(text: str) -> bytes:
    """Unicode -> Windows-1258 as Windows writes it: a precomposed letter where the code page has
    one, else the letter followed by its tone as a combining mark (for tests and round trips)."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        parts = unicodedata.normalize("NFD", ch)
        base, marks = parts[0], list(parts[1:])
        progress = True
        while marks and progress:  # keep as many marks on the letter as the code page allows
            progress = False
            for mark in marks:
                try:
                    unicodedata.normalize("NFC", base + mark).encode("cp1258")
                except UnicodeEncodeError:
                    continue
                base = unicodedata.normalize("NFC", base + mark)
                marks.remove(mark)
                progress = True
                break
        try:
            out += (base + "".join(marks)).encode("cp1258")
        except UnicodeEncodeError as exc:
            raise LegacyTextError(f"no Windows-1258 bytes for {ch!r}") from exc
    return bytes(out)


# --- plausibility --------------------------------------------------------------------------------

# Vowel clusters of Vietnamese syllables, tones removed (onset "qu"/"gi" handled apart).
_NUCLEI = frozenset(
    "a ă â e ê i o ô ơ u ư y ai ao au ay âu ây eo êu ia iê iu oa oă oe oi oo ôi ơi ua uâ uê ui uô "
    "uơ uy ưa ưi ươ ưu yê iêu oai oao oay oeo uây uôi uyê uya uyu ươi ươu yêu".split()
)
_SYLLABLE = re.compile(r"(?P<onset>[bcdđfghjklmnpqrstvwxz]*)(?P<nucleus>[aăâeêioôơuưy]+)(?P<coda>ch|nh|ng|[cmnpt])?")
_CONSONANTS = re.compile(r"[bcdđfghjklmnpqrstvwxz]+")
_WORD = re.compile(r"[^\W\d_]+")
# Non-letters that Unicode Vietnamese text may contain besides ASCII.
_PUNCTUATION_OK = frozenset("\u00a0\u2013\u2014\u2018\u2019\u201c\u201d\u2026")


def _strip_tones(word: str) -> tuple[str, int]:
    nfd = unicodedata.normalize("NFD", word)
    tones = sum(1 for ch in nfd if ch in TONES)
    bare = "".join(ch for ch in nfd if ch not in TONES)
    return unicodedata.normalize("NFC", bare), tones


def _word_ok(word: str) -> bool:
    if word.isascii():
        return True
    if any(not ch.isascii() and ch not in LETTERS_WITH_DIACRITICS for ch in word):
        return False
    if not (word.islower() or word.isupper() or (word[0].isupper() and word[1:].islower())):
        return False
    bare, tones = _strip_tones(word.lower())
    if tones > 1:
        return False
    if not tones and _CONSONANTS.fullmatch(bare):
        return True  # an abbreviation: "QĐ", "ĐU", "HĐND"
    m = _SYLLABLE.fullmatch(bare)
    if m is None:
        return False
    onset, nucleus = m["onset"], m["nucleus"]
    candidates = {nucleus}
    if onset.endswith("q") and nucleus.startswith("u"):
        candidates.add(nucleus[1:])
    if onset == "g" and nucleus.startswith("i") and len(nucleus) > 1:
        candidates.add(nucleus[1:])
    return bool(candidates & _NUCLEI)


_MODIFIED = "ăâêôơư"


def _tone_placement_ok(word: str) -> bool:
    """The tone mark sits on the syllable's main vowel: on the vowel with a hat, horn or breve
    (ơ in "ươ"), else the only vowel, else the last before a final consonant, else the middle
    of three, else the first of two ("hòa" and "hoà", "thúy" and "thuý" are both in use)."""
    letters = [unicodedata.normalize("NFD", ch) for ch in word.lower()]
    toned = [i for i, d in enumerate(letters) if any(m in TONES for m in d)]
    if len(toned) != 1:
        return len(toned) == 0
    bare = "".join(unicodedata.normalize("NFC", "".join(m for m in d if m not in TONES)) for d in letters)
    m = _SYLLABLE.fullmatch(bare)
    if m is None:
        return False
    start, nucleus, coda = m.start("nucleus"), m["nucleus"], m["coda"]
    if (m["onset"].endswith("q") and nucleus.startswith("u") and len(nucleus) > 1) or (
            m["onset"] == "g" and nucleus.startswith("i") and len(nucleus) > 1):
        start, nucleus = start + 1, nucleus[1:]
    modified = [i for i, ch in enumerate(nucleus) if ch in _MODIFIED]
    if modified:
        allowed = {modified[-1]}
    elif len(nucleus) == 1:
        allowed = {0}
    elif coda:
        allowed = {len(nucleus) - 1}
    elif len(nucleus) == 3:
        allowed = {1}
    else:
        allowed = {0, 1} if nucleus in ("oa", "oe", "uy") else {0}
    return toned[0] - start in allowed


def vietnamese_score(text: str) -> int:
    """Words with a diacritic that are well-formed Vietnamese syllables (tone placement
    included), minus those that are not, minus every character no Vietnamese text holds."""
    score = 0
    for ch in text:
        if not ch.isascii() and ch not in LETTERS_WITH_DIACRITICS and ch not in _PUNCTUATION_OK:
            score -= 1
    for word in _WORD.findall(unicodedata.normalize("NFC", text)):
        if word.isascii():
            continue
        score += 1 if _word_ok(word) and _tone_placement_ok(word) else -1
    return score


def looks_vietnamese(text: str) -> bool:
    """Every non-ASCII character is a Vietnamese letter or common punctuation, and every word
    with a diacritic is a plausible Vietnamese syllable."""
    for ch in text:
        if not ch.isascii() and ch not in LETTERS_WITH_DIACRITICS and ch not in _PUNCTUATION_OK:
            return False
    return all(_word_ok(w) for w in _WORD.findall(unicodedata.normalize("NFC", text)))


def convert(text: str, encoding: str) -> str:
    """Convert legacy `text` (as Windows shows it) from `encoding` to Unicode NFC."""
    if encoding == UNICODE:
        return unicodedata.normalize("NFC", text)
    data = legacy_bytes(text)
    if data is None:
        raise LegacyTextError("not 8-bit text")
    if encoding == TCVN3:
        return decode_tcvn3(data)
    if encoding == VNI:
        return decode_vni(data)
    if encoding == CP1258:
        return decode_cp1258(data)
    raise LegacyTextError(f"unknown encoding {encoding!r}")


def _converts_cleanly(text: str, encoding: str) -> bool:
    try:
        return looks_vietnamese(convert(text, encoding))
    except LegacyTextError:
        return False


_VNI_PAIR = re.compile("[aeiouyAEIOUYôöÔÖ][" + "".join(sorted(_VNI_MARKS)) + "]")


def _vni_likeness(texts: Iterable[str]) -> float:
    """The share of non-ASCII characters that are VNI marks right after a vowel."""
    pairs = non_ascii = 0
    for text in texts:
        pairs += len(_VNI_PAIR.findall(text))
        non_ascii += sum(1 for ch in text if not ch.isascii())
    return pairs / non_ascii if non_ascii else 0.0


def _suspicious(text: str) -> bool:
    """8-bit text that is not plausible Unicode Vietnamese: a legacy candidate."""
    return (not text.isascii() and not has_vietnamese_unicode(text) and legacy_bytes(text) is not None
            and not looks_vietnamese(text))


@dataclass
class TextFixer:
    """The encoding decided for one file, applied cell by cell.

    `encoding` is UNICODE, TCVN3, VNI, CP1258, or UNKNOWN_LEGACY (text looks legacy but neither table
    converts it: such cells are refused). `mixed` says that the file also holds proper Unicode
    Vietnamese, so cells that read well as Unicode are left alone.
    """

    encoding: str = UNICODE
    mixed: bool = False

    @classmethod
    def detect(cls, texts: Iterable[str]) -> TextFixer:
        """Decide from a file's texts: each text that is not plausible Unicode Vietnamese is
        decoded with each legacy encoding and the decodings are scored against Vietnamese
        syllable structure (`vietnamese_score`); the best-scoring encoding that converts some
        text cleanly wins."""
        candidates = (TCVN3, VNI, CP1258)
        votes = dict.fromkeys(candidates, 0)
        scores = dict.fromkeys(candidates, 0)
        suspicious: list[str] = []
        unicode_evidence = 0
        seen: set[str] = set()
        for text in texts:
            if text.isascii() or text in seen:
                continue
            seen.add(text)
            if has_vietnamese_unicode(text):
                unicode_evidence += 1
                continue
            if not _suspicious(text):
                continue
            suspicious.append(text)
            for encoding in candidates:
                try:
                    converted = convert(text, encoding)
                except LegacyTextError:
                    scores[encoding] -= len(_WORD.findall(text)) or 1
                    continue
                scores[encoding] += vietnamese_score(converted)
                if looks_vietnamese(converted):
                    votes[encoding] += 1
        if not suspicious:
            return cls(UNICODE)
        ranked = sorted(candidates, key=lambda e: (scores[e], votes[e]), reverse=True)
        best = ranked[0]
        if (scores[TCVN3], votes[TCVN3]) == (scores[VNI], votes[VNI]) and best in (TCVN3, VNI):
            # a tie: VNI text is full of vowel + mark pairs, TCVN3 text has single letters
            best = VNI if _vni_likeness(suspicious) >= 0.5 else TCVN3
        if votes[best]:
            return cls(best, mixed=unicode_evidence > 0)
        if unicode_evidence:
            return cls(UNICODE, mixed=True)
        return cls(UNKNOWN_LEGACY)

    def __call__(self, text: str) -> str:
        """`text` in Unicode NFC; raises `LegacyTextError` when it looks legacy but cannot be
        converted cleanly."""
        if text.isascii() or self.encoding == UNICODE or has_vietnamese_unicode(text):
            return unicodedata.normalize("NFC", text)
        if legacy_bytes(text) is None:  # another script (Korean, Persian…): not legacy text
            return unicodedata.normalize("NFC", text)
        plausible = looks_vietnamese(text)
        if self.encoding == UNKNOWN_LEGACY:
            if plausible:
                return unicodedata.normalize("NFC", text)
            raise LegacyTextError("legacy text in an unknown encoding")
        if self.mixed and plausible:
            return unicodedata.normalize("NFC", text)
        try:
            converted = convert(text, self.encoding)
        except LegacyTextError:
            converted = None
        if converted is not None and looks_vietnamese(converted):
            return converted
        if plausible:
            return unicodedata.normalize("NFC", text)
        raise LegacyTextError(f"cannot convert from {self.encoding}")
