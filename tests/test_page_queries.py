"""Issue #16 item 6: the pages people open most read their data in a pinned number of queries, the same
before and after the world grows — more units with sent sheets, more filled criteria, more evidence files
per criterion, more assignments and council members. A query added per unit, per criterion, per file or per
person makes the second count differ from the first (and from the pin).

Each page is requested once to warm the per-process caches (the framework tree), then counted, then the
world grows and the page is counted again. The ranking periods page is pinned in
``tests/ranking/test_periods_page_queries.py``. Counts are pinned per database as measured.
"""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from appraisal import services as appraisal_services
from appraisal.models import Appraisal
from appraisal.selectors import member_unit_rows
from criteria.models import Framework, Node
from ranking import services as ranking_services
from submissions import services as submission_services
from submissions.models import Assignment, Block, Role, Submission, Unit
from tests.appraisal.conftest import council  # noqa: F401 (the fixture, requested by name in `cw`)
from tests.factories import UserFactory, attach_evidence, close_round, leaf, make_world
from tests.ranking.test_publication import appraise_all, leaders
from tests.submissions.helpers import tiny_pdf

pytestmark = pytest.mark.django_db

# Pinned per database vendor, each measured on the small world and on the grown one: the same count on both
# (SQLite and PostgreSQL, 2026-12-04). The council member's unit page is 2 fewer on PostgreSQL: the criterion
# sums (``appraisal.selectors.criterion_sums``) are one raw query there, three ORM aggregates on SQLite.
SCORE_PAGE_QUERIES = {"sqlite": 19, "postgresql": 19}
COUNCIL_QUEUE_QUERIES = {"sqlite": 37, "postgresql": 37}
COUNCIL_UNIT_PAGE_QUERIES = {"sqlite": 38, "postgresql": 36}
MATRIX_QUERIES = {"sqlite": 24, "postgresql": 24}
RANKING_BLOCK_QUERIES = {"sqlite": 30, "postgresql": 30}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def counted(client, url) -> tuple[list[str], str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content.decode()[:500]
    return [q["sql"] for q in queries.captured_queries], response.content.decode()


def _listing(queries) -> str:
    return "\n".join(q[:200] for q in queries)


def assert_pinned(small: list[str], grown: list[str], pins: dict[str, int]):
    assert len(grown) == len(small), f"small world:\n{_listing(small)}\n\ngrown world:\n{_listing(grown)}"
    assert len(small) == pins[connection.vendor], _listing(small)


def _leaves(submission):
    return [n for n in Node.objects.filter(framework=submission.framework).order_by("ordering")
            if n.rule and n.rule["kind"] != "survey"]


def _value(node) -> str:
    kind = node.rule["kind"]
    return "0" if kind == "levels" else "100" if kind == "percent" else str(node.max_points)


def add_unit(w, i: int, block=None) -> tuple[Submission, object, object]:
    """Another unit of the block in the period: its sheet, officer and approver."""
    block = block or w.block
    unit = Unit.objects.create(authority=w.authority, block=block, code=f"so-them-{block.code}-{i}",
                               name=f"Sở thêm {block.code} {i}")
    submission = Submission.objects.create(period=w.period, unit=unit, block=block, framework=w.sub_a.framework)
    officer = UserFactory(username=f"canbo.them-{block.code}-{i}")
    approver = UserFactory(username=f"lanhdao.them-{block.code}-{i}")
    Role.objects.create(user=officer, kind=Role.OFFICER, unit=unit)
    Role.objects.create(user=approver, kind=Role.APPROVER, unit=unit)
    return submission, officer, approver


def send_with_files(submission, approver, files: int):
    """``fill_and_send`` with ``files`` of its criteria given a real file through the upload path as well."""
    leaves = _leaves(submission)
    for node in leaves:
        submission_services.entry_save(submission=submission, node=node, actor=approver, version=0,
                                       value=_value(node), explanation="Tại Mục 1 Báo cáo 9/BC")
        attach_evidence(submission, node, approver)
    for k, node in enumerate(leaves[:files]):
        upload(submission, node, approver, 100 + k)
    return submission_services.submission_send(submission=submission, actor=approver, proposed_grade="HTTNV",
                                               endorsed_on=timezone.localdate())


def upload(submission, node, actor, n: int):
    """An evidence file through the unit's upload path (checked content, document number, history)."""
    number = f"{n}/BC-{submission.unit.code}"
    return submission_services.evidence_add(
        submission=submission, node=node, actor=actor, upload=submission_services.Upload(f"bc-{n}.pdf", tiny_pdf(
            f"Báo cáo số {number}")), doc_number=number, doc_date=date(2024, 11, 1), issuer=str(submission.unit))


# --------------------------------------------------------------------------- the score page (the officer)


def test_score_page_queries_do_not_grow(world, client_for):
    w = world
    client = client_for(w.officer_a)
    url = reverse("submissions:score_page", args=[w.sub_a.pk])
    first = leaf(w.sub_a, "2.1")
    submission_services.entry_save(submission=w.sub_a, node=first, actor=w.officer_a, version=0, value="1",
                                   explanation="Tại Mục 1")
    upload(w.sub_a, first, w.officer_a, 1)
    Assignment.objects.create(submission=w.sub_a, node=first, user=w.officer_a)
    client.get(url)  # warms the per-process caches
    small, before = counted(client, url)

    # Grow: two more units with filled sheets, five more filled criteria on this sheet, three files per
    # criterion on two of them, assignments of whole sections to this officer and to a second one.
    for i in range(2):
        submission, officer, _ = add_unit(w, i)
        for node in _leaves(submission)[:3]:
            submission_services.entry_save(submission=submission, node=node, actor=officer, version=0,
                                           value=_value(node), explanation="Tại Mục 2")
    leaves = _leaves(w.sub_a)
    filled = [n for n in leaves if n.pk != first.pk][:5]
    for node in filled:
        submission_services.entry_save(submission=w.sub_a, node=node, actor=w.officer_a, version=0,
                                       value=_value(node), explanation="Tại Mục 3")
    n = 10
    for node in (first, filled[0]):
        for _ in range(3):
            n += 1
            upload(w.sub_a, node, w.officer_a, n)
    second = UserFactory(username="canbo.a2")
    Role.objects.create(user=second, kind=Role.OFFICER, unit=w.unit_a)
    for node in Node.objects.filter(framework=w.sub_a.framework, kind__in=["section", "criterion"])[:4]:
        Assignment.objects.get_or_create(submission=w.sub_a, node=node, user=w.officer_a)
        Assignment.objects.get_or_create(submission=w.sub_a, node=node, user=second)
    for node in filled[1:]:
        Assignment.objects.get_or_create(submission=w.sub_a, node=node, user=second)
    grown, after = counted(client, url)
    assert "bc-16.pdf" in after and "bc-16.pdf" not in before  # the grown files are on the page
    assert_pinned(small, grown, SCORE_PAGE_QUERIES)


# --------------------------------------------------------------------------- the council (queue, unit page, matrix)


def _appraise(member, submission, nodes):
    """The member's appraisal of those of ``nodes`` their agency appraises (first saves: version 0)."""
    done = set(Appraisal.objects.filter(submission=submission).values_list("node_id", flat=True))
    theirs = {r.node.pk for r in member_unit_rows(member, submission)}
    for node in nodes:
        if node.pk in theirs and node.pk not in done:
            appraisal_services.appraisal_save(submission=submission, node=node, actor=member.user, version=0,
                                              member=member, value=_value(node), comment="Đạt")


def grow_council(w):
    """Two more units with sent sheets (files through the upload path before sending), more evidence on the
    sent sheets, the member's appraisals, assignments on the units' side and two more council members."""
    for i in range(2):
        submission, officer, approver = add_unit(w, i)
        for node in _leaves(submission)[:2]:
            Assignment.objects.create(submission=submission, node=node, user=officer)
        send_with_files(submission, approver, files=2)
    for submission in (w.sub_a, w.sub_b):
        leaves = _leaves(submission)
        theirs = {r.node.pk for r in member_unit_rows(w.m_stc, submission)}
        for node in [n for i, n in enumerate(leaves) if i < 6 or n.pk in theirs]:
            for k in range(2):
                attach_evidence(submission, node, w.approver_a, number=f"{node.pk}-{k}/BC-THEM")
            Assignment.objects.get_or_create(submission=submission, node=node, user=w.officer_a
                                             if submission == w.sub_a else w.officer_b)
        _appraise(w.m_stc, submission, leaves)
    for i, agency in enumerate(("Sở Nội vụ", "Văn phòng UBND tỉnh")):
        appraisal_services.member_add(period=w.period, user=UserFactory(username=f"tv.them-{i}"), agency=agency)


@pytest.fixture
def cw(request):
    """The appraisal tests' ``council`` world (both sheets sent, Sở Tài chính and Thanh tra tỉnh seated)."""
    return request.getfixturevalue("council")


def _council_small(w):
    _appraise(w.m_stc, w.sub_a, _leaves(w.sub_a)[:1])


def test_council_queue_queries_do_not_grow(cw, client_for):
    _council_small(cw)
    client = client_for(cw.people.stc)
    url = reverse("appraisal:queue", args=[cw.m_stc.pk])
    client.get(url)
    small, before = counted(client, url)
    grow_council(cw)
    grown, after = counted(client, url)
    assert "Sở thêm so 1" in after and "Sở thêm" not in before  # the new units are in the queue
    assert_pinned(small, grown, COUNCIL_QUEUE_QUERIES)


def test_council_unit_page_queries_do_not_grow(cw, client_for):
    _council_small(cw)
    client = client_for(cw.people.stc)
    url = reverse("appraisal:unit_page", args=[cw.m_stc.pk, cw.sub_a.pk])
    client.get(url)
    small, before = counted(client, url)
    grow_council(cw)
    grown, after = counted(client, url)
    assert after.count("BC-THEM") > 4 and "BC-THEM" not in before  # the files added on their criteria
    assert Appraisal.objects.filter(submission=cw.sub_a).count() > 1  # and the member's appraisals
    assert_pinned(small, grown, COUNCIL_UNIT_PAGE_QUERIES)


def test_secretariat_matrix_queries_do_not_grow(cw, client_for):
    _council_small(cw)
    client = client_for(cw.secretariat)
    url = reverse("appraisal:period_matrix", args=[cw.period.pk])
    client.get(url)
    small, before = counted(client, url)
    grow_council(cw)
    grown, after = counted(client, url)
    assert "Sở thêm so 1" in after and "Sở thêm" not in before  # the new units are rows of the matrix
    assert_pinned(small, grown, MATRIX_QUERIES)


# --------------------------------------------------------------------------- the ranking block page (secretariat)


def test_ranking_block_page_queries_do_not_grow(client_for):
    """The round closes over the whole period, so the world grows as a second block of the same period with
    twice the units (each sheet sent with files, appraised, led), and more versions of its ranking."""
    w = make_world()
    big = Block.objects.create(authority=w.authority, code="so2", name="Khối các sở thứ hai", excellent_quota=4)
    framework = Framework.objects.get(code="tn2024-so")
    submission_services.period_save(period=w.period, frameworks={w.block: framework, big: framework})
    sheets = [(w.sub_a, w.approver_a, w.unit_a), (w.sub_b, w.approver_b, w.unit_b)]
    for i in range(4):
        submission, officer, approver = add_unit(w, i, block=big)
        Assignment.objects.create(submission=submission, node=_leaves(submission)[0], user=officer)
        sheets.append((submission, approver, submission.unit))
    for k, (submission, approver, unit) in enumerate(sheets):
        appraise_all(send_with_files(submission, approver, files=1 if k < 2 else 2), w.secretariat)
        leaders(w, unit)
    close_round(w.period, w.secretariat)
    for _, _, unit in sheets:
        ranking_services.facts_save(period=w.period, unit=unit, actor=w.secretariat, outstanding=True,
                                    discipline="none", corruption="none", disunity=False,
                                    subunits_disciplined_share="0", evidence="Tờ trình 15/TTr-HĐTĐ")
    ranking_services.ranking_compute(period=w.period, block=w.block, actor=w.secretariat)
    for _ in range(3):
        ranking_services.ranking_compute(period=w.period, block=big, actor=w.secretariat)
    client = client_for(w.secretariat)
    client.get(reverse("ranking:block", args=[w.period.pk, w.block.pk]))
    small, before = counted(client, reverse("ranking:block", args=[w.period.pk, w.block.pk]))
    grown, after = counted(client, reverse("ranking:block", args=[w.period.pk, big.pk]))
    assert "Sở thêm so2 3" in after and "Sở thêm" not in before  # the bigger block's units
    assert_pinned(small, grown, RANKING_BLOCK_QUERIES)
