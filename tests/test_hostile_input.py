"""Hostile input: whatever a user types or uploads ends in a result or a Vietnamese ``ValidationError``
(``DocNumberError`` for document numbers), never another exception, and a refusal writes nothing.

Each hypothesis example runs inside a savepoint that is rolled back, so examples do not see each other.
"""

import contextlib
import functools
import io
import re
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from criteria.models import Authority, Framework, Node
from criteria.spreadsheet import framework_export_xlsx, framework_import_xlsx
from criteria.tree import TreeError
from submissions import services
from submissions.docnumber import DocNumber, DocNumberError, parse_doc_number
from submissions.models import Entry, Role, User
from tests.factories import leaf, make_world
from tests.hypothesis_profiles import examples

FUZZ = settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
VIETNAMESE = re.compile(r"[àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ]")
ENGLISH = ("Traceback", "is not in list", "invalid literal", "object has no", "NoneType", "Error", "None")
ROW = re.compile(r"^Dòng (\d+): ")

#: Text openpyxl can write (no control characters), including the characters pasted from Word; some of
#: it longer than the shorter columns (codes of 32 characters).
cell_text = st.one_of(st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=30),
                      st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=33, max_size=80))


@contextlib.contextmanager
def rolled_back():
    """Run the block in a savepoint and undo everything it wrote, whatever happens."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def assert_vietnamese(messages: list[str]) -> None:
    assert messages
    for message in messages:
        assert isinstance(message, str) and message.strip(), message
        own_words = re.sub(r"“[^”]*”", "", message)  # what the user typed is quoted like this
        assert VIETNAMESE.search(own_words.lower()), message
        assert not any(word in own_words for word in ENGLISH), message


# --------------------------------------------------------------------------- (a) document numbers

SYMBOLS = ["KH", "BC", "QĐ", "UBND", "SXD", "TTr", "SNV", "VP", "TU", "NQ", "HĐND", "XDCQ&CTTN", "KT.CN", "TB"]
TRICKY = ["/", "-", " ", "  ", "\u2013", "\u2044", "\uff0f", "\u200b", "\ufeff", "\u00a0", "Số:", "số ", "0", "999999",
          "a", "Đ", "\u041a", "\u0397", "\u0301", "..", "&", "_", "\n", "\t", "2024/", "/2024", "/0000", "\u0661",
          "\u00b2", "\u2163", "\ufb01", "ß", "İ", "ı", "\x00", "%", "'", '"', "<", "ǅ", "9" * 130]


@st.composite
def valid_doc_numbers(draw) -> str:
    number = draw(st.integers(1, 99999))
    written = f"{number:0{draw(st.integers(1, 6))}d}"
    suffix = draw(st.sampled_from(["", "a", "b", "BS"]))
    symbol = lambda: "-".join(draw(st.lists(st.sampled_from(SYMBOLS), min_size=1, max_size=3)))  # noqa: E731
    prefix = draw(st.sampled_from(["", "Số: ", "số ", "SO:", " "]))
    if draw(st.booleans()):
        year = draw(st.one_of(st.none(), st.integers(1945, 2100)))
        return f"{prefix}{written}{suffix}/{f'{year}/' if year else ''}{symbol()}"
    return f"{prefix}{written}-{symbol()}/{symbol()}"


@st.composite
def near_miss_doc_numbers(draw) -> str:
    """A valid number with one to four random insertions, deletions, replacements or duplications."""
    text = draw(valid_doc_numbers())
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        piece = draw(st.one_of(st.sampled_from(TRICKY), st.text(max_size=3)))
        operation = draw(st.sampled_from(["insert", "delete", "replace", "duplicate"]))
        if operation == "insert":
            text = text[:at] + piece + text[at:]
        elif operation == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 3)):]
        elif operation == "replace":
            text = text[:at] + piece + text[at + len(piece):]
        else:
            text = text[:at] + text[at:at + 3] + text[at:]
    return text


@settings(max_examples=examples(100), deadline=None)
@given(near_miss_doc_numbers())
def test_doc_number_near_misses_parse_or_raise_doc_number_error(raw):
    try:
        doc = parse_doc_number(raw)
    except DocNumberError as error:
        assert_vietnamese([str(error)])
        return
    assert isinstance(doc, DocNumber) and 1 <= doc.number <= 99999
    assert doc.raw == raw and " " not in doc.normalized and doc.normalized


# --------------------------------------------------------------------------- (b) staff list

HEADER = ["TT", "Họ và tên", "Chức vụ", "Email", "Quyền"]
junk = st.one_of(
    st.none(), cell_text, st.integers(-(10**15), 10**15), st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(), st.dates(min_value=date(1900, 3, 1)),
)
names = st.one_of(st.sampled_from(["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "   "]), junk)
positions = st.one_of(st.sampled_from(["Chuyên viên", "Phó Giám đốc", ""]), junk)
emails = st.one_of(
    st.builds("{}@{}".format,
              st.sampled_from(["officer.a", "approver.b", "outsider", "an", "nguyen.van.an", "An", "x" * 70]),
              st.sampled_from(["example.gov.vn", "khac.vn", "EXAMPLE.GOV.VN", "xaydung.thainguyen.gov.vn"])),
    junk,
)
role_words = st.one_of(
    st.sampled_from(["Cập nhật báo cáo", "Phê duyệt báo cáo", "cập nhật; phê duyệt", "Phê duyệt, Cập nhật", "Quản trị",
                     ""]),
    junk,
)
staff_rows = st.lists(st.tuples(junk, names, positions, emails, role_words), max_size=6)


@st.composite
def headers(draw) -> list:
    choice = draw(st.integers(0, 4))
    if choice == 0:
        return list(HEADER)
    if choice == 1:
        return draw(st.permutations(HEADER))
    if choice == 2:
        return [draw(st.sampled_from([h, h.upper(), f"  {h} ", h.lower()])) for h in HEADER]
    if choice == 3:
        header = list(HEADER)
        header[draw(st.integers(0, 4))] = draw(cell_text)
        return header
    return draw(st.lists(junk, max_size=7))


def xlsx(rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def import_staff(world, data: bytes) -> tuple[object, list[str]]:
    """Run the import in a rolled-back savepoint; a refusal must leave accounts and roles unchanged."""
    before = (User.objects.count(), Role.objects.count())
    with rolled_back():
        try:
            result = services.staff_import(unit=world.unit_a, data=data, actor=world.secretariat)
        except ValidationError as error:
            assert (User.objects.count(), Role.objects.count()) == before
            assert_vietnamese(error.messages)
            return None, error.messages
        for user, password in result.created:
            assert user.must_change_password and password
        for user, _ in result.created:
            assert set(user.roles.values_list("unit_id", flat=True)) == {world.unit_a.pk}
        return result, []


@pytest.mark.django_db
@FUZZ
@given(
    leading=st.lists(st.lists(junk, max_size=5), max_size=3),
    header=headers(),
    rows=staff_rows,
)
@example(leading=[], header=list(HEADER),  # the account name "officer.a" is taken by another e-mail
         rows=[(1, "Nguyễn Văn An", "Chuyên viên", "officer.a@khac.vn", "Cập nhật báo cáo")])
@example(leading=[], header=list(HEADER),  # two rows whose e-mails give the same account name
         rows=[(1, "Nguyễn Văn An", "", "an@example.gov.vn", "Cập nhật báo cáo"),
               (2, "Trần Thị Bình", "", "an@khac.vn", "Phê duyệt báo cáo")])
@example(leading=[], header=list(HEADER),  # a name longer than the column (PostgreSQL)
         rows=[(1, "Nguyễn Văn " * 20, "", "dai.ten@example.gov.vn", "Cập nhật báo cáo")])
def test_staff_import_of_random_workbooks_ends_in_a_result_or_a_vietnamese_refusal(world, leading, header, rows):
    if isinstance(header, list) and {h.strip().casefold() for h in header if isinstance(h, str)} >= {
            h.casefold() for h in HEADER}:
        order = [[h.strip().casefold() if isinstance(h, str) else h for h in header].index(h.casefold())
                 for h in HEADER]
        width = len(header)
        body = []
        for row in rows:
            cells = [None] * width
            for value, position in zip(row, order, strict=True):
                cells[position] = value
            body.append(cells)
    else:
        body = [list(row) for row in rows]
    sheet = [*leading, header, *body]
    _, messages = import_staff(world, xlsx(sheet))

    filled = {n for n, row in enumerate(sheet, start=1)
              if any(v is not None and str(v).strip() for v in row)}
    for message in messages:
        match = ROW.match(message)
        if any(phrase in message for phrase in ("thiếu họ và tên", "không hợp lệ (chỉ nhận", "lặp lại trong tệp",
                                                 "đã là tài khoản")):
            assert match, message
        if match:
            assert int(match[1]) in filled and int(match[1]) > len(leading), message


def _zip_with(data: bytes, member: str, content: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, content if info.filename == member else source.read(info.filename))
    return buffer.getvalue()


@functools.cache
def good_staff_xlsx() -> bytes:
    """Built once: a workbook carries its creation time, and examples must draw from the same bytes."""
    return xlsx([HEADER, [1, "Nguyễn Văn An", "Chuyên viên", "an.nguyen@example.gov.vn", "Cập nhật báo cáo"]])


def damage(data: st.DataObject, good: bytes) -> bytes:
    """Random bytes, or a good workbook damaged: bytes flipped anywhere (CRC and structure errors), or a
    well-formed zip whose member is truncated, replaced by garbage or has text spliced in."""
    kind = data.draw(st.integers(0, 3))
    if kind == 0:
        return data.draw(st.binary(max_size=600))
    if kind == 1:
        return b"PK\x03\x04" + data.draw(st.binary(max_size=600))
    if kind == 2:
        damaged = bytearray(good)
        for _ in range(data.draw(st.integers(1, 8))):
            damaged[data.draw(st.integers(0, len(damaged) - 1))] = data.draw(st.integers(0, 255))
        return bytes(damaged)
    archive = zipfile.ZipFile(io.BytesIO(good))
    member = data.draw(st.sampled_from(archive.namelist()))
    original = archive.read(member)
    at = data.draw(st.integers(0, len(original)))
    splice = data.draw(st.one_of(st.binary(max_size=40), st.sampled_from([
        b"<", b"&", b'<c r="A1" t="s"><v>99</v></c>', b'<row r="0">', b'<c r="ZZZZ9"><v>x</v></c>'])))
    content = data.draw(st.sampled_from([original[:at], original[:at] + splice + original[at:],
                                         data.draw(st.binary(max_size=200))]))
    return _zip_with(good, member, content)


def _sheet_cut_short(good: bytes, member: str = "xl/worksheets/sheet1.xml") -> bytes:
    original = zipfile.ZipFile(io.BytesIO(good)).read(member)
    return _zip_with(good, member, original[: len(original) // 2])


@pytest.mark.django_db
@FUZZ
@given(data=st.data())
@example(data=None)  # the worksheet's XML cut in half
def test_staff_import_of_damaged_files_ends_in_a_vietnamese_refusal(world, data):
    good = good_staff_xlsx()
    import_staff(world, _sheet_cut_short(good) if data is None else damage(data, good))


# --------------------------------------------------------------------------- (c) criteria Excel import

import_values = st.one_of(
    st.none(), cell_text, st.integers(-(10**6), 10**6), st.floats(-1e6, 1e6, allow_nan=False),
    st.sampled_from(["Theo mức", "Chấm trực tiếp", "Tỷ lệ % trên ngưỡng", "Phiếu đánh giá (XHH)", "Tiêu chí",
                     "Lĩnh vực", "Nội dung", "ND1", "ND2", "1.1", "0", "-1", "1e30", "100", "x",
                     "Đạt = 1\nKhông đạt = 0", "2024", "xa", "tn2024-hoi-copy"]),
)


@st.composite
def cell_edits(draw) -> list[tuple[str, int, int, object]]:
    edits = []
    for _ in range(draw(st.integers(1, 6))):
        if draw(st.integers(0, 2)) == 0:
            edits.append(("Khung", draw(st.integers(1, 11)), draw(st.sampled_from([1, 2, 2, 2])), draw(import_values)))
        else:
            edits.append(("Tiêu chí", draw(st.integers(1, 45)), draw(st.integers(1, 21)), draw(import_values)))
    return edits


def criteria_snapshot():
    return (
        list(Authority.objects.order_by("pk").values_list()),
        list(Framework.objects.order_by("pk").values_list()),
        list(Node.objects.order_by("pk").values_list("pk", "framework_id", "code", "max_points", "title", "rule")),
    )


@pytest.fixture
def hoi_export(db) -> bytes:
    return framework_export_xlsx(Framework.objects.get(code="tn2024-hoi"))


def import_criteria(data: bytes) -> None:
    """Import in a rolled-back savepoint; a refusal must leave authorities, frameworks and nodes unchanged."""
    before = criteria_snapshot()
    with rolled_back():
        try:
            framework, status = framework_import_xlsx(data=data)
        except (TreeError, ValidationError) as error:
            assert criteria_snapshot() == before
            assert_vietnamese(error.messages if isinstance(error, ValidationError) else
                              [str(p) for p in error.problems])
        else:
            assert status in {"created", "updated", "unchanged"} and framework.pk


@pytest.mark.django_db
@FUZZ
@given(edits=cell_edits())
@example(edits=[("Khung", 7, 2, -1)])  # a negative year
@example(edits=[("Khung", 7, 2, 40000)])  # beyond a PostgreSQL smallint
@example(edits=[("Khung", 2, 2, "tn2024-hoi-" + "x" * 60)])  # a code longer than the column (PostgreSQL)
def test_criteria_import_of_mutated_exports_succeeds_or_changes_nothing(hoi_export, edits):
    workbook = load_workbook(io.BytesIO(hoi_export))
    for sheet, row, column, value in edits:
        workbook[sheet].cell(row=row, column=column).value = value
    buffer = io.BytesIO()
    workbook.save(buffer)
    import_criteria(buffer.getvalue())


@pytest.mark.django_db
@settings(FUZZ, max_examples=examples(30))
@given(data=st.data())
@example(data=None)  # the "Tiêu chí" sheet's XML cut in half
def test_criteria_import_of_damaged_files_ends_in_a_vietnamese_refusal(hoi_export, data):
    import_criteria(_sheet_cut_short(hoi_export, "xl/worksheets/sheet2.xml") if data is None
                    else damage(data, hoi_export))


# --------------------------------------------------------------------------- (d) score input

score_values = st.one_of(
    st.text(max_size=20),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.floats().map(str),
    st.integers(-(10**40), 10**40).map(str),
    st.builds("{}{}{}".format, st.sampled_from(["", " ", "-", "+", "\u00a0"]),
              st.from_regex(r"[0-9]{1,3}([.,][0-9]{1,4})?([eE][+-]?[0-9]{1,3})?", fullmatch=True),
              st.sampled_from(["", " ", "%", " điểm", "\u00a0"])),
    st.sampled_from(["1 0", "5 0", "8\u00a05", "1e30", "1E+2", "0e-50", "1_0", "٣", "NaN", "-0", "sNaN", "Infinity"]),
)
LEAVES = [("tn2024-so", "2.1"), ("dh2024-xa", "2.3.4"), ("dh2024-xa", "6.2"), ("dh2024-xa", "5.5.4.6")]


def entry_state(submission, node):
    entry = Entry.objects.filter(submission=submission, node=node).first()
    return (entry and (entry.choice, entry.percent, entry.points, entry.version),
            Entry.history.filter(submission=submission, node=node).count())


@pytest.fixture
def scoring_world(db, framework_code):
    return make_world(framework_code=framework_code)


@pytest.mark.django_db
@pytest.mark.parametrize("framework_code, code", LEAVES)
@FUZZ
@given(value=score_values)
@example(value="5 0")
@example(value="1e30")
def test_entry_save_of_any_value_scores_within_the_maximum_or_changes_nothing(scoring_world, code, value):
    sub = scoring_world.sub_a
    node = leaf(sub, code)
    before = entry_state(sub, node)
    with rolled_back():
        try:
            entry = services.entry_save(submission=sub, node=node, actor=scoring_world.officer_a, version=0,
                                        value=value)
        except ValidationError as error:
            assert entry_state(sub, node) == before
            assert_vietnamese(error.messages)
            return
        entry.refresh_from_db()
        if value.strip() == "":
            assert entry.points is None
        else:
            assert entry.points is not None and Decimal(0) <= entry.points <= node.max_points


http_text = st.one_of(st.text(max_size=40), st.sampled_from(["0", "1", "-1", "", "9" * 5000, "1e30", "5 0", "٠"]))


@pytest.mark.django_db
@FUZZ
@given(value=st.one_of(st.none(), score_values), version=st.one_of(st.none(), st.just("0"), http_text),
       explanation=st.one_of(st.none(), http_text), htmx=st.booleans(), code=st.sampled_from(["2.3.4", "6.2", "5.5.1"]))
@example(value="5 0", version="0", explanation=None, htmx=True, code="6.2")
@example(value="1", version="0", explanation="Giải trình\x00", htmx=False, code="2.3.4")
def test_entry_save_endpoint_never_answers_500(xa_world, xa_client, value, version, explanation, htmx, code):
    sub = xa_world.sub_a
    node = leaf(sub, code)
    payload = {key: text for key, text in (("value", value), ("version", version), ("explanation", explanation))
               if text is not None}
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    before = entry_state(sub, node)
    with rolled_back():
        response = xa_client.post(reverse("submissions:entry_save", args=[sub.pk, node.pk]), payload, **headers)
        assert response.status_code < 500
        if response.status_code >= 400:
            assert entry_state(sub, node) == before
    assert entry_state(sub, node) == before


@pytest.fixture
def xa_world(db):
    return make_world(framework_code="dh2024-xa")


@pytest.fixture
def xa_client(xa_world, client_for):
    return client_for(xa_world.officer_a)


@pytest.mark.parametrize("path", sorted((Path(__file__).parent / "fuzz" / "regressions").glob("workbook-*")),
                         ids=lambda p: p.name)
def test_workbooks_the_fuzzer_broke_are_refused_with_a_message(path):
    """Inputs atheris found (tests/fuzz/targets.py) that once ended in a 500, kept as regressions."""
    from criteria.spreadsheet import read_workbook

    with pytest.raises(ValidationError, match="Tệp Excel bị hỏng"):
        read_workbook(path.read_bytes())
