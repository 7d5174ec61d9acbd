"""The two seed workflows of the demo run from opening to publication (issue #13, "Done when"):

* ``hue-2021-cchc`` (seed 001, ``demo.hue``): staff lists imported, SSO accounts, officer and approver, signed
  summary before sending, a supplementary round, appraisal by agency, rank only, published;
* ``th-2025-cchc`` (seed 004, ``demo.thanh_hoa``): a unit's sections sharing its sheet, the preliminary
  lost-points analysis, communes on paper with one late dossier, appraisal, both blocks published, the analysis
  on the appraised scores, which next year's council reads.

The demo is built once for the module (``make_dev_certificate`` then ``load_demo``, as ``make run`` does) inside a
transaction rolled back at the end; each test reads it.
"""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from appraisal.models import Appraisal, AppraisalRound, CouncilMember, PaperDossier
from appraisal.paper import PAPER_REASON
from criteria.models import Node
from demo import hue, thanh_hoa
from ranking.lost_points import previous_year
from ranking.models import LostPointNote, RankingVersion
from submissions import signed_summary
from submissions.department_models import Department, DepartmentNode
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
