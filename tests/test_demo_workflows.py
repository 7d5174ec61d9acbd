"""The two seed workflows of the demo run from opening to publication (issue #13, "Done when"):

* ``hue-2021-cchc`` (seed 001, ``demo.hue``): staff lists imported, SSO accounts, officer and approver, signed
  summary before sending, a supplementary round, appraisal by agency, rank only, published;
* ``th-2025-cchc`` (seed 004, ``demo.thanh_hoa``): a unit's sections sharing its sheet, the preliminary
  lost-points analysis, communes on paper with one late dossier, appraisal, both blocks published, the analysis
  on the appraised scores, which next year's council reads.

The demo is built once for the module (``make_dev_certificate`` then ``load_demo``, as ``make run`` does) inside a
transaction rolled back at the end; each test reads it.
"""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from appraisal.models import Appraisal, AppraisalRound, CouncilMember, PaperDossier
from appraisal.paper import PAPER_REASON
from criteria.models import Node
from demo import hue, thanh_hoa
from ranking.lost_points import previous_year
from ranking.models import LostPointNote, RankingVersion
from submissions import signed_summary
from submissions.department_models import Department, DepartmentNode
from submissions.management.commands import load_demo
from submissions.management.commands.load_demo import ACCOUNTS, PAR_ACCOUNTS
from submissions.models import Entry, Period, Role, SignedSummary, StateChange, Submission, User, Window
from tests.demo_province import demo_province


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    with demo_province(django_db_blocker, tmp_path_factory, "demo-workflows") as printed:
        yield printed


def _client(username: str) -> Client:
    user = User.objects.get(username=username)
    user.must_change_password = False
    user.save(update_fields=["must_change_password"])
    client = Client()
    client.force_login(user)
    return client


def _leaves(submission) -> list[Node]:
    return [n for n in Node.objects.filter(framework=submission.framework).order_by("ordering")
            if n.rule and n.rule["kind"] != "survey"]


# --------------------------------------------------------------------------- Huế (seed 001)


@pytest.mark.django_db
def test_hue_staff_lists_give_each_unit_an_officer_and_an_approver_who_log_in_by_sso(demo):
    period = Period.objects.get(code=hue.PERIOD)
    for submission in Submission.objects.filter(period=period).select_related("unit"):
        kinds = sorted(Role.objects.filter(unit=submission.unit).values_list("kind", flat=True))
        assert kinds == sorted([Role.OFFICER, Role.APPROVER]), submission.unit
    # The council, the chair and the chairman log in by SSO (matched by e-mail): no local password.
    for username, *_ in hue.COUNCIL + [(a[0],) for a in hue.ACCOUNTS if a[3] != Role.SECRETARIAT]:
        user = User.objects.get(username=username)
        assert not user.has_usable_password() and user.email.endswith("@" + hue.DOMAIN), username
    assert User.objects.get(username="snv.hue").has_usable_password()


@pytest.mark.django_db
def test_hue_every_sheet_was_entered_signed_outside_and_sent_before_the_deadline(demo):
    period = Period.objects.get(code=hue.PERIOD)
    assert period.kind == Period.RANK_ONLY and period.setting("signed_summary_required") is True
    sheets = list(Submission.objects.filter(period=period).select_related("unit", "period", "framework"))
    assert len(sheets) == len(hue.UNITS)
    for submission in sheets:
        assert submission.status == Submission.SENT and submission.sent_at < period.closes_at
        officer = Role.objects.get(unit=submission.unit, kind=Role.OFFICER).user
        approver = Role.objects.get(unit=submission.unit, kind=Role.APPROVER).user
        assert submission.sent_by == approver
        entries = Entry.objects.filter(submission=submission)
        assert entries.count() == len(_leaves(submission)) and {e.updated_by for e in entries} == {officer}
        # The summary the approver uploaded is signed by the unit, intact, and matches the sheet as sent.
        summary = SignedSummary.objects.get(submission=submission)
        assert summary.signer_name == submission.unit.name.removesuffix(" (minh họa)")
        assert summary.uploaded_by == approver and summary.uploaded_at < submission.sent_at
        assert summary.status in ("signed_untrusted", "signed_valid")
        found = signed_summary.state(submission)
        if submission.unit.code == hue.SUPPLEMENT[0]:  # changed in the supplementary round, after it was signed
            assert not found.matches and f"tiêu chí {hue.SUPPLEMENT[1]} (giải trình)" in found.message
        else:
            assert found.matches, found.message
        send = StateChange.objects.get(object_type="submission", object_id=submission.pk, action="send")
        assert send.actor == approver


@pytest.mark.django_db
def test_hue_scans_do_not_earn_full_marks_and_signed_documents_do(demo):
    unit, code = hue.SCANNED
    submission = Submission.objects.get(period__code=hue.PERIOD, unit__code=unit)
    node = Node.objects.get(framework=submission.framework, code=code)
    evidence = Entry.objects.get(submission=submission, node=node).evidence.get()
    assert evidence.signature_status == "unsigned"
    appraisal = Appraisal.objects.get(submission=submission, node=node)
    assert appraisal.points < node.max_points and "văn bản quét" in appraisal.comment
    others = Entry.objects.filter(submission__period__code=hue.PERIOD).exclude(pk=evidence.entry_id)
    statuses = {e.signature_status for entry in others for e in entry.evidence.all()}
    assert statuses == {"signed_untrusted"}, statuses  # signed by the unit's own (self-signed) certificate


@pytest.mark.django_db
def test_hue_supplementary_round_was_answered_inside_its_window(demo):
    unit, code = hue.SUPPLEMENT
    submission = Submission.objects.get(period__code=hue.PERIOD, unit__code=unit)
    window = Window.objects.get(submission=submission)
    assert [n.code for n in window.nodes.all()] == [code] and window.opens_at > submission.period.closes_at
    entry = Entry.objects.get(submission=submission, node__code=code)
    assert "Bổ sung:" in entry.explanation and window.opens_at <= entry.updated_at <= window.closes_at


@pytest.mark.django_db
def test_hue_council_appraised_everything_and_the_block_is_published(demo):
    period = Period.objects.get(code=hue.PERIOD)
    for submission in Submission.objects.filter(period=period):
        assert Appraisal.objects.filter(submission=submission, points__isnull=False).count() == len(_leaves(submission))
    assert AppraisalRound.objects.get(period=period).status == AppraisalRound.Status.CLOSED
    version = RankingVersion.objects.get(period=period)
    number, day = hue.DECISION
    assert (version.status, version.decision_number, version.decision_date) == (RankingVersion.PUBLISHED, number, day)
    units = version.snapshot["units"]
    assert [u["rank"] for u in units] == [1, 2, 3] and all(u["grade"] is None for u in units)
    totals = [Decimal(u["total"]) for u in units]
    assert totals == sorted(totals, reverse=True)
    # The council reads the signer of the summary; the secretariat reads the published block.
    submission = Submission.objects.get(period=period, unit__code=hue.UNITS[0][0])
    member = CouncilMember.objects.get(period=period, agency="Sở Nội vụ")
    page = _client(member.user.username).get(reverse("appraisal:unit_page", args=[member.pk, submission.pk]))
    signer = SignedSummary.objects.get(submission=submission).signer_name
    assert page.status_code == 200 and signer in page.content.decode()
    block = _client("snv.hue").get(reverse("ranking:block", args=[period.pk, version.block_id]))
    assert block.status_code == 200 and number in block.content.decode()


# --------------------------------------------------------------------------- Thanh Hóa (seed 004)


@pytest.mark.django_db
def test_thanh_hoa_sections_each_scored_only_their_own_areas(demo):
    period = Period.objects.get(code=thanh_hoa.PERIOD)
    assert period.setting("departments_required") is True
    submission = Submission.objects.get(period=period, unit__code="th-phong-noi-vu")
    sections = {d.code: d for d in Department.objects.filter(unit=submission.unit)}
    assert set(sections) == {code for code, *_ in thanh_hoa.SECTIONS}
    assigned = {a.node.code: a.department.code for a in DepartmentNode.objects.filter(submission=submission)
                .select_related("node", "department")}
    assert assigned == {"I": "cchc", "IV": "tcbc", "V": "ccvc", "II": "cchc", "III": "cchc", "VI": "cchc",
                        "VII": "cchc"}
    officers = {username: code for code, _n, _s, username, _f in thanh_hoa.SECTIONS}
    for entry in Entry.objects.filter(submission=submission).select_related("node", "updated_by"):
        section = entry.node.code.split(".")[0]
        roman = ["I", "II", "III", "IV", "V", "VI", "VII"][int(section) - 1]
        assert officers[entry.updated_by.username] == assigned[roman], entry.node.code


@pytest.mark.django_db
def test_thanh_hoa_preliminary_analysis_explains_every_expected_lost_point_before_the_20th(demo):
    for code, lost in thanh_hoa.SELF_LOSS.items():
        if code in thanh_hoa.DOSSIERS:
            continue
        notes = LostPointNote.objects.filter(submission__period__code=thanh_hoa.PERIOD, submission__unit__code=code,
                                             stage=LostPointNote.PRELIMINARY).select_related("node")
        assert {n.node.code for n in notes} == lost, code
        assert all(n.cause and n.remedy and n.updated_at < thanh_hoa.PRELIMINARY_DUE for n in notes)


@pytest.mark.django_db
def test_thanh_hoa_communes_on_paper_the_late_dossier_is_never_appraised(demo):
    period = Period.objects.get(code=thanh_hoa.PERIOD)
    for code, received in thanh_hoa.DOSSIERS.items():
        submission = Submission.objects.get(period=period, unit__code=code)
        assert PaperDossier.objects.get(submission=submission).received_on == received
        if received > thanh_hoa.COMMUNES_DUE.date():
            assert submission.status == Submission.LOCKED and not Entry.objects.filter(submission=submission).exists()
            continue
        assert submission.status == Submission.SENT and submission.sent_by.username == "th.td.noivu"
        changes = Entry.history.filter(submission_id=submission.pk).exclude(history_type="+")  # "+": the empty row
        assert changes.exists() and set(changes.values_list("history_change_reason", flat=True)) == {PAPER_REASON}
    versions = {v.block.code: v for v in RankingVersion.objects.filter(period=period).select_related("block")}
    assert set(versions) == {"phong", "xa-phuong"}
    assert all(v.status == RankingVersion.PUBLISHED and v.decision_date == thanh_hoa.DECISION[1]
               for v in versions.values())
    late = next(u for u in versions["xa-phuong"].snapshot["units"] if u["id"] == "th-xa-hoang-quang")
    assert late["rank"] == 3 and Decimal(late["total"]) == 0 and late["reasons"]


@pytest.mark.django_db
def test_thanh_hoa_analysis_after_publication_is_next_years_evidence(demo):
    decision = thanh_hoa.DECISION[1]
    for code in ("th-phong-noi-vu", "th-phong-tu-phap", "th-phong-tc-kh"):
        notes = LostPointNote.objects.filter(submission__period__code=thanh_hoa.PERIOD, submission__unit__code=code,
                                             stage=LostPointNote.APPRAISED)
        council_lost = thanh_hoa.COUNCIL_LOSS[code]
        assert council_lost <= {n.node.code for n in notes}, code
        assert all(n.updated_at.date() - decision < timedelta(days=10) for n in notes)
    # The council of 2026 reads the 2025 analysis of Phòng Nội vụ.
    next_year = Submission.objects.get(period__code="th-2026-cchc", unit__code="th-phong-noi-vu")
    found = previous_year(next_year)
    assert [f["submission"].period.code for f in found] == [thanh_hoa.PERIOD]


@pytest.mark.django_db
def test_thanh_hoa_each_block_was_appraised_before_its_own_deadline(demo):
    from submissions.models import PeriodBlock

    period = Period.objects.get(code=thanh_hoa.PERIOD)
    deadlines = {pb.block_id: pb for pb in PeriodBlock.objects.filter(period=period)}
    assert {pb.block.code: pb.appraisal_deadline for pb in deadlines.values()} == {
        "xa-phuong": thanh_hoa.COUNCIL_COMMUNES_DUE, "phong": thanh_hoa.COUNCIL_DEPARTMENTS_DUE}
    assert deadlines[Submission.objects.get(period=period, unit__code="th-xa-thieu-van").block_id].deadline \
        == thanh_hoa.COMMUNES_DUE
    entered = Appraisal.objects.filter(submission__period=period, updated_by__isnull=False).exclude(
        node__rule__kind="survey").select_related("submission")  # the survey part is computed from the tallies
    assert entered.exists()
    for appraisal in entered:
        assert appraisal.updated_at < deadlines[appraisal.submission.block_id].appraisal_deadline


@pytest.mark.django_db
def test_the_demo_accounts_are_written_to_a_file_with_passwords_that_log_in(demo):
    """#14 item 9: ``var/demo-accounts.txt`` (here a temporary file, tests/conftest.py) lists every account the
    demo created with its first password; the latest line of each account logs in with it."""
    lines = Path(settings.DEMO_ACCOUNTS_FILE).read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("# Tài khoản minh họa")
    latest = {}
    for line in lines[1:]:
        username, password = line.split()[:2]
        latest[username] = password
    assert {username for username, *_ in ACCOUNTS + PAR_ACCOUNTS} <= set(latest)
    assert latest["snv.hue"] != "(SSO)"  # seed 001's secretariat has a local password to look at the demo
    for username, password in latest.items():
        if password != "(SSO)":
            assert User.objects.get(username=username).check_password(password), username


# --------------------------------------------------------------------------- the demo's years (issue #14, item 9)

VN = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.mark.parametrize(("closes", "year"), [
    (datetime(2026, 12, 8, 17, 0, tzinfo=VN), 2026),
    (datetime(2026, 7, 1, 0, 0, tzinfo=VN), 2026),
    (datetime(2027, 1, 15, 17, 0, tzinfo=VN), 2026),
    (datetime(2027, 6, 30, 16, 59, tzinfo=ZoneInfo("UTC")), 2026),  # 23:59 on 30/6 in Vietnam
    (datetime(2027, 6, 30, 17, 0, tzinfo=ZoneInfo("UTC")), 2027),  # already 1/7 in Vietnam
])
def test_an_open_demo_period_evaluates_the_year_its_dates_say(closes, year):
    assert load_demo._evaluated_year(closes) == year


def test_the_published_year_before_the_open_one_is_over_whatever_day_the_demo_is_built():
    """For every day of three years: the steps of the published period (the year before the one ``demo-2025``
    evaluates when built that day) are in order, all before that day, and its analysis of lost points (8.1, 8.2)
    is over, as the access matrix expects; the published round follows the naming rule too."""
    from ranking.lost_points import DEFAULT_ANALYSIS_DAYS, DEFAULT_PLAN_DAYS

    day = date(2026, 1, 1)
    while day < date(2029, 1, 1):
        year = load_demo._evaluated_year(datetime.combine(day + timedelta(days=5), time(17, 0), tzinfo=VN))
        when = load_demo.published_calendar(year - 1)
        steps = list(when.values())
        assert steps == sorted(steps), day
        assert load_demo._evaluated_year(when["closes"]) == year - 1 and when["opens"].year == year - 1
        assert when["approved"] + timedelta(days=max(DEFAULT_ANALYSIS_DAYS, DEFAULT_PLAN_DAYS) + 1) < datetime.combine(
            day, time(0), tzinfo=VN), day
        day += timedelta(days=1)


@pytest.mark.django_db
def test_every_period_of_the_demo_is_named_for_the_year_its_dates_say(demo):
    current = Period.objects.get(code="demo-2025")
    year = load_demo._evaluated_year(current.closes_at)
    assert current.year == year and current.is_open
    # The other open periods of the demo evaluate the same year (their deadlines a day either side).
    for code in ("dh-2024", load_demo.PERIOD_2025):
        other = Period.objects.get(code=code)
        assert other.is_open and other.year == year and abs(other.closes_at - current.closes_at) <= timedelta(days=1)
    assert Period.objects.get(code="demo").year == year - 1
    assert Period.objects.get(code=load_demo.PAR_PERIOD).year == 2026  # seed 004's year after its published 2025
    for period in Period.objects.all():
        assert f"năm {period.year}" in period.name, (period.code, period.name)
        if not period.is_open or period == current:  # a round of year N closes in N or before July of N + 1
            closes = timezone.localtime(period.closes_at, VN)
            assert closes.year == period.year or (closes.year == period.year + 1 and closes.month < 7), period.code
    assert f"Kỳ “demo” ({year - 1})" in demo and f"Kỳ “{load_demo.PERIOD_2025}” ({year}," in demo


@pytest.mark.django_db
def test_the_published_demo_period_is_dated_the_year_before_the_open_one(demo):
    from appraisal.models import LeaderForm
    from ranking.selectors import previous_results, unit_years
    from submissions.models import Evidence

    current, published = Period.objects.get(code="demo-2025"), Period.objects.get(code="demo")
    when = load_demo.published_calendar(current.year - 1)
    assert (published.year, published.opens_at, published.closes_at) == (current.year - 1, when["opens"],
                                                                        when["closes"])
    assert published.data_cutoff == when["data_cutoff"].date()
    versions = list(RankingVersion.objects.filter(period=published, status=RankingVersion.PUBLISHED))
    assert len(versions) == 4
    for version in versions:
        assert version.decision_date == date(current.year, 1, 20) == when["approved"].date()
        assert version.computed_at == when["ranked"] and version.submitted_at == when["submitted"]
    assert timezone.localtime(max(v.published_at for v in versions), VN).date() <= timezone.localdate()
    # What the units did is dated inside that round, before the decision.
    sheets = Submission.objects.filter(period=published)
    assert set(sheets.values_list("sent_at", flat=True)) == {when["sent"]}
    assert set(Evidence.objects.filter(entry__submission__period=published)
               .values_list("doc_date", flat=True)) == {when["documents"].date()}
    scores = Appraisal.objects.filter(submission__period=published)
    assert set(scores.exclude(node__rule__kind="survey").values_list("updated_at", flat=True)) == {when["appraised"]}
    assert set(scores.filter(node__rule__kind="survey").values_list("updated_at", flat=True)) == {when["leaders"]}
    assert set(LeaderForm.objects.filter(period=published).values_list("submitted_at", flat=True)) == {
        when["leaders"]}
    appraisal_round = AppraisalRound.objects.get(period=published)
    assert (appraisal_round.released_at, appraisal_round.closed_at) == (when["released"], when["closed"])
    # The open period's evidence is of its own year and never dated after today.
    for day in Evidence.objects.filter(entry__submission__period=current).values_list("doc_date", flat=True):
        assert day <= timezone.localdate() and day.year in (current.year, timezone.localdate().year)

    # So last year's results are there for the open periods: the ranking's comparison, the unit's history, and
    # the analysis of lost points the council reads (8.1, 8.2), for Sở Xây dựng in both open periods.
    present = {s.unit_id: s.unit.code for s in Submission.objects.filter(period=current).select_related("unit")}
    found = previous_results(current, present)
    assert set(found) == set(present.values())
    assert {rows[0]["period"] for rows in found.values()} == {published.name}
    sxd = Submission.objects.get(period=current, unit__code="so-xay-dung")
    assert [(y["year"], y["period"]) for y in unit_years(sxd.unit)] == [(published.year, published.name)]
    for open_period in (current, Period.objects.get(code=load_demo.PERIOD_2025)):
        sheet = Submission.objects.get(period=open_period, unit__code="so-xay-dung")
        assert [(f["submission"].period, f["former"]) for f in previous_year(sheet)] == [(published, False)]
    page = _client("sxd.pheduyet").get(reverse("ranking:lost_points_previous", args=[sxd.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert f"Phân tích điểm bị trừ và kế hoạch khắc phục năm {published.year}" in text
    assert "Quyết định số 125/QĐ-UBND ngày " + f"{when['approved']:%d/%m/%Y}" in text
    assert "Không có kết quả năm" not in text
