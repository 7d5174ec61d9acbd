"""Document numbers of Nghị định 30/2020/NĐ-CP (and the Party's ``2147-QĐ/TU``): pure functions."""

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from submissions.docnumber import (
    DocNumber,
    DocNumberError,
    doc_number_warnings,
    find_duplicates,
    parse_doc_number,
)

# ------------------------------------------------------------------ valid forms


@pytest.mark.parametrize(
    ("raw", "number", "suffix", "year", "symbol", "normalized"),
    [
        ("30/KH-SXD", 30, "", None, "KH-SXD", "30/KH-SXD"),
        ("12/2023/QĐ-UBND", 12, "", 2023, "QĐ-UBND", "12/2023/QĐ-UBND"),
        ("45/UBND-VP", 45, "", None, "UBND-VP", "45/UBND-VP"),
        ("680/TTr-SNV", 680, "", None, "TTr-SNV", "680/TTR-SNV"),
        ("2147-QĐ/TU", 2147, "", None, "QĐ/TU", "2147-QĐ/TU"),
        ("15-NQ/TW", 15, "", None, "NQ/TW", "15-NQ/TW"),
        ("07/2024/TT-BNV", 7, "", 2024, "TT-BNV", "7/2024/TT-BNV"),
        ("55/UBND-BC", 55, "", None, "UBND-BC", "55/UBND-BC"),
        ("2610/QĐ-UBND", 2610, "", None, "QĐ-UBND", "2610/QĐ-UBND"),
        ("30/2020/NĐ-CP", 30, "", 2020, "NĐ-CP", "30/2020/NĐ-CP"),
        ("01/2024/TTLT-BNV-BTC", 1, "", 2024, "TTLT-BNV-BTC", "1/2024/TTLT-BNV-BTC"),
        ("123/KH-BCĐ389", 123, "", None, "KH-BCĐ389", "123/KH-BCĐ389"),
        ("99999/BC-SGDĐT", 99999, "", None, "BC-SGDĐT", "99999/BC-SGDĐT"),
        ("1/SNV-XDCQ&CTTN", 1, "", None, "SNV-XDCQ&CTTN", "1/SNV-XDCQ&CTTN"),
        ("Số: 30/KH-SXD", 30, "", None, "KH-SXD", "30/KH-SXD"),
        ("Số 30/KH-SXD", 30, "", None, "KH-SXD", "30/KH-SXD"),
        ("số:30/KH-SXD", 30, "", None, "KH-SXD", "30/KH-SXD"),
        ("SỐ: 2147-QĐ/TU", 2147, "", None, "QĐ/TU", "2147-QĐ/TU"),
        ("  30 / KH - SXD  ", 30, "", None, "KH-SXD", "30/KH-SXD"),
        ("30/kh-sxd", 30, "", None, "kh-sxd", "30/KH-SXD"),
        ("30/KH\u2013SXD", 30, "", None, "KH-SXD", "30/KH-SXD"),  # en dash typed by Word
        ("\u00a030/KH-SXD\u200b", 30, "", None, "KH-SXD", "30/KH-SXD"),  # NBSP, zero-width space
        ("30a/KH-SXD", 30, "a", None, "KH-SXD", "30a/KH-SXD"),
        ("12b/BC-UBND", 12, "b", None, "BC-UBND", "12b/BC-UBND"),
        ("30A/KH-SXD", 30, "A", None, "KH-SXD", "30a/KH-SXD"),
        ("12a/2023/QĐ-UBND", 12, "a", 2023, "QĐ-UBND", "12a/2023/QĐ-UBND"),
        ("2147a-QĐ/TU", 2147, "a", None, "QĐ/TU", "2147a-QĐ/TU"),
    ],
)
def test_valid_forms(raw, number, suffix, year, symbol, normalized):
    doc = parse_doc_number(raw)
    assert doc == DocNumber(raw=raw, number=number, suffix=suffix, year=year, symbol=symbol, normalized=normalized)


def test_party_form_is_told_apart_from_state_form():
    party = parse_doc_number("2147-QĐ/TU")
    state = parse_doc_number("2147/QĐ-TU")
    assert party.is_party and not state.is_party
    assert party.normalized != state.normalized


# ------------------------------------------------------------------ invalid forms


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "Số:",
        "abc",
        "/KH-SXD",
        "30/",
        "30",
        "30//KH",
        "0/KH-SXD",
        "00/KH-SXD",
        "100000/KH-SXD",
        "30/KH-",
        "30/-KH",
        "30/KH--SXD",
        "30/2024",
        "30/2024/",
        "30/1800/QĐ-UBND",
        "30-QĐ",
        "30/KH/SXD",
        "2147-QĐ/",
        "KH-SXD/30",
        "x30/KH-SXD",
        "30abcd/KH-SXD",
        "30/KH-SXD ngày 12/3/2024",
        "30/KH SXD",
        "3 0/KH-SXD",
        "30/КН-SXD",  # Cyrillic К and Н
        "30/KH-SXD²",
        "30/12KH",
        "30/KH_SXD",
    ],
)
def test_invalid_forms(raw):
    with pytest.raises(DocNumberError) as info:
        parse_doc_number(raw)
    message = str(info.value)
    assert "30/KH-SXD" in message and "12/2023/QĐ-UBND" in message  # the expected form, by example


def test_error_messages_say_what_is_wrong():
    with pytest.raises(DocNumberError, match="Chưa nhập"):
        parse_doc_number("")
    with pytest.raises(DocNumberError, match="từ 1 đến 99999"):
        parse_doc_number("0/KH-SXD")
    with pytest.raises(DocNumberError, match="thiếu ký hiệu"):
        parse_doc_number("30/")
    with pytest.raises(DocNumberError, match="thiếu số thứ tự"):
        parse_doc_number("/KH-SXD")
    with pytest.raises(DocNumberError, match="năm ban hành 1800"):
        parse_doc_number("30/1800/QĐ-UBND")
    with pytest.raises(DocNumberError, match="không ghi ngày tháng"):
        parse_doc_number("30/KH-SXD ngày 12/3/2024")
    with pytest.raises(DocNumberError, match="К"):
        parse_doc_number("30/КH-SXD")


def test_not_a_string_is_an_error():
    with pytest.raises(DocNumberError):
        parse_doc_number(None)  # type: ignore[arg-type]


# ------------------------------------------------------------------ suffix warnings


def test_suffix_warns_of_zero_score():
    [warning] = doc_number_warnings(parse_doc_number("30a/KH-SXD"))
    assert "“30a/KH-SXD”" in warning and "(30a)" in warning
    assert "chấm 0 điểm" in warning


def test_no_warning_without_suffix():
    assert doc_number_warnings(parse_doc_number("30/KH-SXD")) == []
    assert doc_number_warnings(parse_doc_number("12/2023/QĐ-UBND")) == []


# ------------------------------------------------------------------ normalisation


def test_nfd_and_nfc_inputs_are_the_same_number():
    nfc = "12/2023/QĐ-UBND"
    nfd = unicodedata.normalize("NFD", "Số: 12/2023/qđ-ubnd")
    assert nfd != nfc
    a, b = parse_doc_number(nfc), parse_doc_number(nfd)
    assert a.normalized == b.normalized == nfc
    assert unicodedata.is_normalized("NFC", b.symbol)


def test_normalized_form_has_no_spaces_prefix_or_leading_zeros():
    doc = parse_doc_number(" Số:  007 / 2024 / tt - bnv ")
    assert doc.normalized == "7/2024/TT-BNV"
    assert doc.symbol == "tt-bnv"


def test_normalized_form_parses_to_itself():
    for raw in ("Số: 30a / kh-sxd", "07/2024/TT-BNV", "2147-qđ/tu", "680/TTr-SNV"):
        doc = parse_doc_number(raw)
        assert parse_doc_number(doc.normalized).normalized == doc.normalized


# ------------------------------------------------------------------ duplicates


def test_find_duplicates_groups_the_same_document():
    items = [
        ("1.1", "30/KH-SXD"),
        ("1.2", "Số: 30/kh-sxd"),
        ("2.1", "12/2023/QĐ-UBND"),
        ("2.2", unicodedata.normalize("NFD", "12/2023/QĐ-UBND")),
        ("2.3", "12/2023/QĐ-UBND"),
        ("3.1", "45/UBND-VP"),
        ("3.2", "abc"),
        ("3.3", "abc"),
        ("4.1", "30a/KH-SXD"),
        ("4.2", "31/KH-SXD"),
    ]
    assert find_duplicates(items) == {
        "30/KH-SXD": ["1.1", "1.2"],
        "12/2023/QĐ-UBND": ["2.1", "2.2", "2.3"],
    }


def test_find_duplicates_with_suffix_case_and_leading_zeros():
    items = [(1, "30a/KH-SXD"), (2, "30A/KH-SXD"), (3, "07/2024/TT-BNV"), (4, "7/2024/TT-BNV"), (5, "30/KH-SXD")]
    assert find_duplicates(items) == {"30a/KH-SXD": [1, 2], "7/2024/TT-BNV": [3, 4]}


def test_find_duplicates_keeps_party_and_state_forms_apart():
    assert find_duplicates([("a", "2147-QĐ/TU"), ("b", "2147/QĐ-TU")]) == {}


def test_find_duplicates_of_nothing():
    assert find_duplicates([]) == {}
    assert find_duplicates(iter([("a", ""), ("b", "")])) == {}


# ------------------------------------------------------------------ properties

LETTERS = "ABCDEGHIKLMNOPQRSTUVXYĐabcdeghiklmnopqrstuvxyđ"
segments = st.text(alphabet=LETTERS, min_size=1, max_size=6)
symbols = st.lists(segments, min_size=1, max_size=3).map("-".join)


@given(st.text(max_size=60))
def test_parse_raises_only_doc_number_error(raw):
    try:
        doc = parse_doc_number(raw)
    except DocNumberError as error:
        assert str(error)
    else:
        assert 1 <= doc.number <= 99999
        assert " " not in doc.normalized


@given(
    st.integers(min_value=1, max_value=99999),
    st.sampled_from(["", "a", "b", "A"]),
    st.one_of(st.none(), st.integers(min_value=1945, max_value=2100)),
    symbols,
    st.sampled_from(["", "Số: ", "Số ", "  "]),
    st.booleans(),
)
def test_generated_state_numbers_round_trip(number, suffix, year, symbol, prefix, zero_padded):
    written = f"{number:02d}" if zero_padded else str(number)
    year_part = f"/{year}" if year is not None else ""
    raw = f"{prefix}{written}{suffix}{year_part}/{symbol}"
    doc = parse_doc_number(raw)
    assert (doc.number, doc.suffix, doc.year, doc.symbol) == (number, suffix, year, symbol)
    assert doc.normalized == f"{number}{suffix.lower()}{year_part}/{symbol.upper()}"
    assert parse_doc_number(doc.normalized).normalized == doc.normalized
    assert bool(doc_number_warnings(doc)) == bool(suffix)


# A Party document type is an abbreviation in capitals of two letters or more (NQ, QĐ, CT, HD, TTr): a single
# letter, or letters in lower case before a state symbol, after "2147-" is a letter suffix (30-a/KH-SXD).
UPPER = "ABCDEGHIKLMNOPQRSTUVXYĐ"
party_kinds = st.builds("{}{}".format, st.text(alphabet=UPPER, min_size=1, max_size=1),
                        st.text(alphabet=LETTERS, min_size=1, max_size=5))


@given(st.integers(min_value=1, max_value=99999), party_kinds, symbols)
def test_generated_party_numbers_round_trip(number, kind, issuer):
    doc = parse_doc_number(f"{number}-{kind}/{issuer}")
    assert (doc.number, doc.year, doc.symbol) == (number, None, f"{kind}/{issuer}")
    assert doc.normalized == f"{number}-{kind.upper()}/{issuer.upper()}"
    assert parse_doc_number(doc.normalized).normalized == doc.normalized
