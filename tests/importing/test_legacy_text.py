"""Legacy Vietnamese encodings: exhaustive round trips, fixed spellings, detection, no false
positives on plain Unicode or English."""

from __future__ import annotations

import unicodedata

import pytest

from transfer.legacy_text import (
    VIETNAMESE_LETTERS,
    Encoding,
    candidates,
    column_to_unicode,
    detect_column_encoding,
    detect_encoding,
    encoding_of_font,
    from_unicode,
    is_capital_font,
    to_unicode,
)

# Pure functions: no database; the PostgreSQL run leaves these to the SQLite run.
pytestmark = pytest.mark.database_free

NAMES = [
    "Nguyễn Thị Hương",
    "Phú Thọ",
    "Đắk Lắk",
    "Hòa Bình",
    "Thừa Thiên Huế",
    "Trần Văn Quý",
    "Lê Thị Ngọc Ánh",
    "Phạm Đức Thắng",
    "Hoàng Thùy Dương",
    "Vĩnh Phúc",
    "Việt Trì",
    "Bùi Thị Yến",
    "Đỗ Mạnh Cường",
    "Trương Quốc Khánh",
    "Ngô Thị Nguyệt",
]
LEGACY = [Encoding.TCVN3, Encoding.VNI, Encoding.VIQR]


def test_the_alphabet_has_every_letter():
    assert len(VIETNAMESE_LETTERS) == 134
    assert len(set(VIETNAMESE_LETTERS)) == 134
    assert "ỵ" in VIETNAMESE_LETTERS and "Ỵ" in VIETNAMESE_LETTERS and "Đ" in VIETNAMESE_LETTERS
    assert all(unicodedata.is_normalized("NFC", c) for c in VIETNAMESE_LETTERS)


@pytest.mark.parametrize("encoding", LEGACY)
@pytest.mark.parametrize("letter", VIETNAMESE_LETTERS)
def test_every_letter_round_trips(encoding, letter):
    encoded = from_unicode(letter, encoding)
    # the same code point in the legacy table: VNI ì í, TCVN3 ý
    same = (encoding is Encoding.VNI and letter in "ìíÌÍ") or (
        encoding is Encoding.TCVN3 and letter == "ý"
    )
    assert encoded != letter or same
    # TCVN3 has no capitals with a tone mark: a capital font draws the lower-case codes
    capitals = letter.isupper() and encoding is Encoding.TCVN3 and letter not in "ĂÂÊÔƠƯĐ"
    assert to_unicode(encoded, encoding, capitals=capitals) == letter


@pytest.mark.parametrize("encoding", LEGACY)
@pytest.mark.parametrize("letter", VIETNAMESE_LETTERS)
def test_every_letter_round_trips_inside_a_word(encoding, letter):
    word = f"x{letter}n"
    assert to_unicode(from_unicode(word, encoding), encoding, capitals=False) == (
        word
        if not (encoding is Encoding.TCVN3 and letter.isupper() and letter not in "ĂÂÊÔƠƯĐ")
        else word.lower()
    )


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("encoding", LEGACY)
def test_real_names_are_detected_and_converted(name, encoding):
    encoded = from_unicode(name, encoding)
    if encoding is not Encoding.VIQR or detect_encoding(encoded) is Encoding.VIQR:
        assert detect_encoding(encoded) is encoding, encoded
        assert to_unicode(encoded) == name
    assert to_unicode(encoded, prefer=encoding) == name
    assert to_unicode(encoded, encoding) == name


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("encoding", [Encoding.TCVN3, Encoding.VNI, Encoding.VIQR])
def test_capital_names(name, encoding):
    upper = name.upper()
    encoded = from_unicode(upper, encoding)
    assert to_unicode(encoded, encoding, capitals=True) == upper
    if encoding is Encoding.TCVN3:
        # typed with Caps Lock in a normal .VnTime font: ASCII capitals + lower-case toned codes
        assert to_unicode(encoded) == upper or len([c for c in upper if c.isascii()]) < 2
        # a .VnTimeH capital font holds the lower-case codes
        assert to_unicode(from_unicode(name.lower(), encoding), capitals=True) == upper
    elif encoding is Encoding.VNI or detect_encoding(encoded) is Encoding.VIQR:
        assert to_unicode(encoded) == upper


@pytest.mark.parametrize(
    ("legacy", "expected"),
    [
        # written by hand from TCVN 5712:1993 VN3 (not produced by from_unicode)
        ("NguyÔn V¨n", "Nguyễn Văn"),
        ("Hå ChÝ Minh", "Hồ Chí Minh"),
        ("§µo ThÞ Thu H»ng", "Đào Thị Thu Hằng"),
        ("Thõa Thiªn HuÕ", "Thừa Thiên Huế"),
        ("Phó Thä", "Phú Thọ"),
        ("TØnh VÜnh Phóc", "Tỉnh Vĩnh Phúc"),
        ("NGUYÔN V¡N AN", "NGUYỄN VĂN AN"),
        ("§¾K L¾K", "ĐẮK LẮK"),
        ("Giíi tÝnh", "Giới tính"),
        ("Quª qu¸n", "Quê quán"),
        ("Lª ThÞ Ngäc ¸nh", "Lê Thị Ngọc Ánh"),  # TCVN3 has no "Á": the capital is restored
        # VNI-Windows
        ("Nguyeãn Vaên", "Nguyễn Văn"),
        ("Hoà Ñöùc", "Hồ Đức"),
        ("Ñaøo Thò Thu Haèng", "Đào Thị Thu Hằng"),
        ("Thöøa Thieân Hueá", "Thừa Thiên Huế"),
        ("NGUYEÃN VAÊN AN", "NGUYỄN VĂN AN"),
        ("NGUYEãN VAêN AN", "NGUYỄN VĂN AN"),  # Caps Lock with lower-case modifiers
        ("Ñaék Laék", "Đắk Lắk"),
        # VIQR
        ("Nguye^~n Va(n A'nh", "Nguyễn Văn Ánh"),
        ("DDa(k La(k", "Đăk Lăk"),
        ("Thu+`a Thie^n Hue^'", "Thừa Thiên Huế"),
    ],
)
def test_fixed_spellings(legacy, expected):
    assert to_unicode(legacy) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Nguyễn Thị Hương",
        "Lê Hà",
        "Tô Hoài",
        "Võ Thị Sáu",
        "Lý Tú",
        "Hà Tĩnh",
        "Hoàng Văn Toàn",
        "Hello world",
        "John O'Brien",
        "I'm fine",
        "Café au lait",
        "12/05/1980",
        "Số 5, đường Trần Phú",
        "Ð Văn Lâm",  # Icelandic eth look-alike: Unicode, fixed by clean()
        "Hélène Dupont",
        "TP. Hồ Chí Minh",
        "Bác sĩ",
    ],
)
def test_plain_unicode_and_english_are_never_converted(text):
    enc = detect_encoding(text)
    assert enc in (Encoding.UNICODE, Encoding.ASCII)
    assert to_unicode(text) == unicodedata.normalize("NFC", text).replace("Ð", "Đ")


def test_nfd_and_tone_style_are_normalised():
    nfd = unicodedata.normalize("NFD", "Nguyễn Thị Hoà")
    assert detect_encoding(nfd) is Encoding.UNICODE
    assert to_unicode(nfd) == "Nguyễn Thị Hòa"
    assert unicodedata.is_normalized("NFC", to_unicode(nfd))
    assert to_unicode(from_unicode("Thuý", Encoding.TCVN3)) == "Thúy"


def test_ascii_text_is_a_candidate_everywhere_but_decides_nothing():
    found = candidates("Nguyen Van An")
    assert {Encoding.ASCII, Encoding.UNICODE, Encoding.TCVN3, Encoding.VNI} <= found
    assert detect_encoding("Nguyen Van An") is Encoding.ASCII
    assert to_unicode("  Nguyen   Van An ") == "Nguyen Van An"


def test_ambiguous_cells_follow_the_column():
    # "Tó" is Unicode "Tó", TCVN3 "Tú" and VNI "Tó"? no: VNI reads ó as ĩ → "Tĩ"
    assert {Encoding.UNICODE, Encoding.TCVN3} <= candidates("Tó")
    column = [from_unicode(n, Encoding.TCVN3) for n in NAMES] + ["Tó", "Nguyen Van An", None, 5]
    assert detect_column_encoding(column) is Encoding.TCVN3
    encoding, converted = column_to_unicode(column)
    assert encoding is Encoding.TCVN3
    assert converted[: len(NAMES)] == NAMES
    assert converted[len(NAMES) :] == ["Tú", "Nguyen Van An", None, 5]
    # alone, the ambiguous cell stays Unicode
    assert to_unicode("Tó") == "Tó"


def test_header_row_vote_keeps_ascii_capitals():
    # "Sè" alone is a rare Unicode syllable; the row's vote makes it TCVN3 "Số", and the
    # capital "CMND" does not make the cell a Caps-Lock cell
    row = ["STT", "Hä vµ tªn", "Ngµy sinh", "Sè CMND/CCCD", "Quª qu¸n", "§¬n vÞ", ""]
    encoding, converted = column_to_unicode(row)
    assert encoding is Encoding.TCVN3
    assert converted == ["STT", "Họ và tên", "Ngày sinh", "Số CMND/CCCD", "Quê quán", "Đơn vị", ""]


def test_column_vote_for_each_encoding():
    for encoding in LEGACY:
        column = [from_unicode(n, encoding) for n in NAMES]
        assert detect_column_encoding(column) is encoding
        assert column_to_unicode(column)[1] == NAMES
    assert detect_column_encoding(NAMES) is Encoding.UNICODE
    assert detect_column_encoding(["An", "Binh", ""]) is Encoding.ASCII
    # VIQR column: cells without strong evidence follow it
    viqr = [from_unicode(n, Encoding.VIQR) for n in NAMES] + ["Phu' Tho."]
    assert column_to_unicode(viqr)[1][-1] == "Phú Thọ"


def test_mixed_column_keeps_decisive_cells_in_their_own_encoding():
    column = [from_unicode(n, Encoding.TCVN3) for n in NAMES] + ["Nguyễn Thị Hương"]
    assert column_to_unicode(column)[1][-1] == "Nguyễn Thị Hương"


def test_fonts():
    assert is_capital_font(".VnTimeH") and is_capital_font(".VnArialH")
    assert not is_capital_font(".VnTime") and not is_capital_font("Times New Roman")
    assert encoding_of_font(".VnTime") is Encoding.TCVN3
    assert encoding_of_font("VNI-Times") is Encoding.VNI
    assert encoding_of_font("Arial") is None and encoding_of_font(None) is None


def test_empty_and_whitespace():
    assert to_unicode("") == ""
    assert to_unicode("\xa0 ") == ""
    assert to_unicode("Phó\xa0Thä") == "Phú Thọ"


def _all_place_names() -> list[str]:
    import csv

    from orgtree.text import clean
    from transfer.vendor_samples import WARDS_FILE

    names: set[str] = set()
    with WARDS_FILE.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            for key in ("Tỉnh Thành Phố", "Quận Huyện", "Phường Xã"):
                names.add(clean(row[key]))
    return sorted(names)


def test_no_real_place_or_name_in_unicode_is_ever_converted():
    """Every commune, district and province name of the 2025-01-04 list, and every name the
    synthetic lists can make, is detected as Unicode and left as it is."""
    from profiles.synthetic import FAMILY_NAMES, GIVEN_NAMES, MIDDLE_NAMES

    texts = _all_place_names()
    texts += [
        f"{f} {m} {g}"
        for f in FAMILY_NAMES
        for sex in ("male", "female")
        for m in MIDDLE_NAMES[sex]
        for g in GIVEN_NAMES[sex]
    ]
    converted = [t for t in texts if to_unicode(t) != t]
    assert not converted[:20]
    assert len(texts) > 10000


@pytest.mark.parametrize("encoding", LEGACY)
def test_every_place_name_converts_back_in_its_column(encoding):
    names = _all_place_names()
    column = [from_unicode(n, encoding) for n in names]
    found, converted = column_to_unicode(column)
    assert found is encoding
    # TCVN3 cannot write a capital with a tone mark ("Ít Ong", "Mường Ảng"): the case of such
    # a word is a guess, the letters are not
    lossy = encoding is Encoding.TCVN3

    def same(back: str, name: str) -> bool:
        return back == name or (lossy and back.lower() == name.lower())

    wrong = [(c, n, b) for c, n, b in zip(column, names, converted, strict=True) if not same(b, n)]
    assert not wrong[:20]
