"""Issue #17 item 3: the save of one criterion, the request officers make most on the last afternoon, in a
pinned number of queries, with every guarantee kept: the deadline and the supplementary windows checked on the
server, the version checked (a stale form is a conflict, nothing written), a history row per change, and the
sheet's row locked for the save (the saves, the send and the lock of one sheet run one after the other).

Counted by the test client inside the test's transaction, so the save's own transaction is a savepoint here
(SAVEPOINT / RELEASE) and SQLite's BEGIN IMMEDIATE is not sent. The benchmark
(``benchmarks/save_profile.py``) prints the list outside a test: 8 on PostgreSQL, 9 on SQLite (its BEGIN).
"""

import re
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from criteria.scoring import parse_rule
from criteria.selectors import framework_nodes
from submissions import services
from submissions.models import Entry
from submissions.selectors import submission_for_save
from tests.factories import leaf, make_world

pytestmark = pytest.mark.django_db

# session, user, the sheet (access, entry, windows; locked), UPDATE entry, INSERT history, assignments, files,
# progress; + SAVEPOINT and RELEASE of the view's transaction inside the test's. The same on both databases
# (measured 2026-12-04); the first save of a criterion INSERTs its entry instead of the UPDATE: the same count.
SAVE_QUERIES = {"sqlite": 10, "postgresql": 10}
FIRST_SAVE_QUERIES = {"sqlite": 10, "postgresql": 10}


def _post(client, world, node, value, explanation, *, version=None, htmx=True):
    if version is None:
        entry = Entry.objects.filter(submission=world.sub_a, node=node).first()
        version = entry.version if entry else 0
    url = reverse("submissions:entry_save", args=[world.sub_a.pk, node.pk])
    data = {"version": str(version), "value": value, "explanation": explanation}
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url, data, **({"HTTP_HX_REQUEST": "true"} if htmx else {}))
    return response, [q["sql"] for q in queries.captured_queries]


def _listing(queries):
    return "\n".join(q[:160] for q in queries)


def test_first_and_later_saves_cost_the_pinned_queries(world, client_for):
    framework_nodes(world.sub_a.framework)  # read once per process: not the save's cost
    client = client_for(world.officer_a)
    node = leaf(world.sub_a, "2.1")
    response, first = _post(client, world, node, "1", "Theo Mục 1")
    assert response.status_code == 200, response.content.decode()[:500]
    assert len(first) == FIRST_SAVE_QUERIES[connection.vendor], _listing(first)
    response, later = _post(client, world, node, "0,5", "Theo Mục 2")
    assert response.status_code == 200 and 'name="version" value="2"' in response.content.decode()
    assert len(later) == SAVE_QUERIES[connection.vendor], _listing(later)
    writes = [q.split()[0] for q in later if q.split()[0] in ("UPDATE", "INSERT", "DELETE")]
    assert writes == ["UPDATE", "INSERT"], _listing(later)  # the entry (version-checked), its history row
    assert re.search(r'WHERE .*"version" = ', next(q for q in later if q.startswith("UPDATE")))
    if connection.vendor == "postgresql":  # the sheet's row alone is locked, not the period's every unit shares
        locks = [q for q in later if "FOR UPDATE" in q]
        assert len(locks) == 1 and locks[0].endswith('FOR UPDATE OF "submissions_submission"'), _listing(locks)
    entry = Entry.objects.get(submission=world.sub_a, node=node)
    assert (entry.points, entry.version, entry.updated_by) == (Decimal("0.5"), 2, world.officer_a)
    history = list(entry.history.order_by("history_date", "history_id"))
    assert [(h.version, h.points, h.history_user) for h in history] == [
        (1, Decimal("1"), world.officer_a), (2, Decimal("0.5"), world.officer_a)]


def _stale_sheet(world, node):
    """The sheet as the save path reads it (``submission_for_save``); then the approver's save of ``node``
    commits before the officer's write (in production: while the officer's read waited for the lock)."""
    sheet = submission_for_save(world.officer_a, node.pk, timezone.now()).select_related("period").get(
        pk=world.sub_a.pk)
    assert sheet.save_entry.version == 1
    services.entry_save(submission=world.sub_a, node=node, actor=world.approver_a, version=1, value="2",
                        explanation="Bản của người duyệt")
    return sheet


def test_a_sheet_read_before_another_save_committed_is_not_written_over(world):
    """The entry comes with the sheet's row; if another save commits in between, the write ``UPDATE … WHERE
    version = n`` finds nothing: a conflict naming the other's save, and the other's values stay."""
    node = leaf(world.sub_a, "2.1")
    services.entry_save(submission=world.sub_a, node=node, actor=world.officer_a, version=0, value="1",
                        explanation="Bản đầu")
    with transaction.atomic():
        sheet = _stale_sheet(world, node)
        with pytest.raises(services.ConflictError) as refused, transaction.atomic():
            services.entry_save(submission=sheet, node=node, actor=world.officer_a, version=1, value="3",
                                explanation="Bản cũ", locked=True)
        assert refused.value.entry.version == 2 and str(world.approver_a) in refused.value.messages[0]
        entry = Entry.objects.get(submission=world.sub_a, node=node)
        assert (entry.points, entry.explanation, entry.version) == (Decimal("2"), "Bản của người duyệt", 2)
        assert entry.history.count() == 2


def test_an_unchanged_save_on_a_stale_read_is_a_conflict_too(world):
    """The officer posts what the stale read holds: nothing to write, yet the form is older than the row."""
    node = leaf(world.sub_a, "2.1")
    services.entry_save(submission=world.sub_a, node=node, actor=world.officer_a, version=0, value="1",
                        explanation="Bản đầu")
    with transaction.atomic():
        sheet = _stale_sheet(world, node)
        with pytest.raises(services.ConflictError), transaction.atomic():
            services.entry_save(submission=sheet, node=node, actor=world.officer_a, version=1, value="1",
                                explanation="Bản đầu", locked=True)
        assert Entry.objects.get(submission=world.sub_a, node=node).points == Decimal("2")


def test_the_deadline_and_a_sent_sheet_are_still_checked_on_the_fast_path(world, client_for):
    node = leaf(world.sub_a, "2.1")
    client = client_for(world.officer_a)
    world.period.closes_at = timezone.now() - timezone.timedelta(minutes=1)
    world.period.save()
    response, _ = _post(client, world, node, "1", "Sau hạn")
    assert response.status_code == 400 and "Đã hết hạn gửi báo cáo" in response.content.decode()
    assert not Entry.objects.filter(submission=world.sub_a, node=node, points__isnull=False).exists()


def test_a_conflict_without_javascript_shows_the_page_with_both_versions(world, client_for):
    node = leaf(world.sub_a, "2.1")
    _post(client_for(world.approver_a), world, node, "1", "Bản của người duyệt")
    typed = "Theo Kế hoạch số 12/KH-UBND, Mục II: đã hoàn thành."
    response, _ = _post(client_for(world.officer_a), world, node, "2,5", typed, version=0, htmx=False)
    assert response.status_code == 409  # not a redirect: what was typed is on the page
    html = response.content.decode()
    assert html.count("data-conflict>") == 1 and "<html" in html  # the whole page, the panel at this criterion
    panel = html.split("data-conflict>")[1].split("data-keep-saved")[0]
    mine = panel.split("data-conflict-mine>")[1].split("data-conflict-saved>")[0]
    saved = panel.split("data-conflict-saved>")[1]
    assert "Bản của bạn" in mine and "2,5" in mine and typed in mine
    assert "Bản đã lưu" in saved and "1 điểm" in saved and "Bản của người duyệt" in saved
    keep = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', panel.split("data-keep-mine>")[1]))
    assert keep["version"] == "1" and keep["value"] == "2,5" and keep["explanation"] == typed
    again = client_for(world.officer_a).post(reverse("submissions:entry_save", args=[world.sub_a.pk, node.pk]), keep)
    assert again.status_code == 302
    entry = Entry.objects.get(submission=world.sub_a, node=node)
    assert entry.points == Decimal("2.5") and entry.explanation == typed


@pytest.mark.parametrize("htmx", [True, False])
def test_a_levels_criterion_in_conflict_shows_the_chosen_level_by_its_label(htmx, client_for):
    xa = make_world(framework_code="dh2024-xa")
    node = leaf(xa.sub_a, "2.3.4")
    _post(client_for(xa.approver_a), xa, node, "0", "")
    response, _ = _post(client_for(xa.officer_a), xa, node, "1", "Có một đơn quá hạn", version=0, htmx=htmx)
    assert response.status_code == 409
    mine = response.content.decode().split("data-conflict-mine>")[1].split("data-conflict-saved>")[0]
    label = dict(parse_rule(node.rule, node.max_points).choices)[1].label
    shown = re.sub(r"\s+", " ", mine.split("Giá trị đã nhập:")[1].split("</div>")[0]).strip()
    assert shown == label, shown


def test_a_refused_save_without_javascript_shows_the_page_with_what_was_typed(world, client_for):
    node = leaf(world.sub_a, "2.1")
    typed = "Theo Báo cáo 5/BC-SXD, Mục 1."
    response, _ = _post(client_for(world.officer_a), world, node, "99", typed, htmx=False)
    assert response.status_code == 400  # not a redirect that drops what was typed
    html = response.content.decode()
    assert "Chưa lưu tiêu chí 2.1" in html and "vượt quá điểm tối đa" in html
    assert re.search(rf'<input[^>]*id="v{node.pk}"[^>]*value="99"', html)
    assert re.search(rf'<textarea[^>]*id="e{node.pk}"[^>]*>{re.escape(typed)}</textarea>', html)
    assert html.count("is-invalid") == 1 and re.search(rf'is-invalid" id="v{node.pk}"', html)  # the score only
    assert re.search(rf'id="v{node.pk}"[^>]*aria-invalid="true"', html)
    assert not Entry.objects.filter(submission=world.sub_a, node=node, points__isnull=False).exists()
