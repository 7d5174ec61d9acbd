"""The access matrix, generated from the URLconf (issue #15, "Done when": extend it to appraisal and ranking so
that a new view without a refusal test fails the suite).

Every URL name of the apps ``criteria``, ``submissions``, ``appraisal`` and ``ranking`` and of the project's own
views (``config/urls.py``: not the admin, not ``mozilla_django_oidc``) is read from ``get_resolver()``. Each one
needs an entry in ``ROUTES`` below: how to build its path arguments from the seeded world, which methods it
answers, and who may use it. A URL name without an entry fails ``test_every_url_name_has_an_entry`` with the
name (a new view without a refusal test fails the suite); an entry for a name that no longer exists fails too.

For each entry, ``test_access``:

* every actor of ``ACTORS`` that is neither allowed (``allow``) nor tolerated (``also``) is refused on GET and,
  for a view that accepts POST, on POST (with the entry's form data): anonymous → redirect to the login page,
  anyone else → 403 or 404; the refused requests change nothing (``tests.write_watch``: every table they write
  to is read before and after, the log of refused accesses and the sessions excepted);
* each allowed actor gets 200 or the view's normal redirect (never to the login page): on GET when the view
  answers GET, else on POST with the entry's data (for a PDF, ``heavy``, only the first of them: rendering one
  takes seconds, and the refusals are what the matrix is for).

The world is the demo province (``load_demo``, as ``tests/test_every_link.py`` builds it), plus what the demo
does not have (minutes, a signed summary, a supplementary request, a report job, a department, a unit assessing
its subordinate authority, a person with no role), built once for the module inside a transaction rolled back at
its end; each URL's test runs in a savepoint of its own. The actors, named by their demo accounts:

* ``anonymous``; ``khong.vai.tro`` (logged in, no role: also "a council member of no council");
* ``sxd.capnhat`` / ``sxd.pheduyet``: officer and approver of Sở Xây dựng (most unit-side routes use its sheet,
  so the officers and approvers of other units are ``binhthanh.*`` and ``stp.pheduyet``);
* ``stp.pheduyet``: approver of Sở Tư pháp, whose sheet of ``demo-2025`` is sent (the council's routes use it);
* ``snv.thuongtruc``: the province's secretariat; ``pnv.dinhhoa`` (a district below it) and ``pnv.thanhhoa``
  (an unrelated city): secretariats of other authorities;
* ``stc.thamdinh``: council member for Sở Tài chính; ``ttt.thamdinh``: member for another agency;
* ``ld.ubnd``: a leader; ``ct.hoidong``: the council's chair; ``ct.ubnd``: the chairman of the province.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from tests.demo_province import demo_province
from tests.write_watch import watching

pytestmark = pytest.mark.django_db

ANONYMOUS = "anonymous"
NO_ROLE = "khong.vai.tro"
ACTORS = (ANONYMOUS, NO_ROLE, "sxd.capnhat", "sxd.pheduyet", "stp.pheduyet", "binhthanh.capnhat",
          "binhthanh.pheduyet", "snv.thuongtruc", "pnv.dinhhoa", "pnv.thanhhoa", "stc.thamdinh", "ttt.thamdinh",
          "ld.ubnd", "ct.hoidong", "ct.ubnd")
LOGGED_IN = ACTORS[1:]
SXD = ("sxd.capnhat", "sxd.pheduyet", "snv.thuongtruc")  # who reads Sở Xây dựng's sheet
SXD_WRITE = ("sxd.capnhat", "sxd.pheduyet")
SECRETARIATS = ("snv.thuongtruc", "pnv.dinhhoa", "pnv.thanhhoa")
SNV = ("snv.thuongtruc",)
RANKING = ("snv.thuongtruc", "ct.hoidong", "ct.ubnd")  # ranking.permissions.can_view
APPS = ("criteria", "submissions", "appraisal", "ranking")
#: The project's own views of config/urls.py (the admin and mozilla_django_oidc are third-party).
CONFIG_NAMES = ("home", "home_remind", "login", "logout", "password_change", "password_change_done", "otp_verify",
                "otp_setup", "healthz")


@dataclass(frozen=True)
class Route:
    """One URL name: ``kwargs(w)`` builds its path arguments; ``methods`` it answers; ``allow`` must be let in
    (on GET if answered, else on POST with ``data(w)``), ``also`` may be let in (not checked), everyone else of
    ``ACTORS`` is refused. ``post_allow``: who may POST when it differs from ``allow`` (checked refused for the
    others). ``public``: anyone, anonymous included, gets ``ok``. ``fresh``: each actor gets a new session (a
    logout must not end the module's sessions)."""

    kwargs: Callable = lambda w: {}
    methods: tuple = ("GET",)
    allow: tuple = ()
    also: tuple = ()
    data: Callable = lambda w: {}
    post_allow: tuple | None = None
    public: bool = False
    fresh: bool = False
    ok: tuple = (200, 302)
    heavy: bool = False  # a PDF or a signed file: only the first of ``allow`` is let in (the refusals all run)


GET, POST, BOTH = ("GET",), ("POST",), ("GET", "POST")


def _sub(field_name):
    return lambda w: {"pk": getattr(w, field_name).pk}


def _sxd_leaf(w):
    return {"pk": w.sxd.pk, "node_id": w.sxd_leaf.pk}


def _member(w):
    return {"member_id": w.member.pk, "submission_id": w.stp.pk}


def _entry_version(w):
    """The version of the leaf's entry now: an allowed save is a save, not a conflict (a refusal without
    JavaScript re-renders the page, 409)."""
    from submissions.models import Entry

    return Entry.objects.filter(submission=w.sxd, node=w.sxd_leaf).values_list("version", flat=True).first() or 0


def _appraisal_version(w):
    from appraisal.models import Appraisal

    return Appraisal.objects.filter(submission=w.stp, node=w.member_leaf).values_list("version", flat=True).first() or 0


def _member_leaf(w):
    return {**_member(w), "node_id": w.member_leaf.pk}


def _paper(w):
    return {"period_id": w.cur.pk, "submission_id": w.sxd.pk}


def _lost(w, **extra):
    return {"submission_id": w.sxd_pub.pk, "stage": "sau-cong-bo", **extra}


ROUTES: dict[str, Route] = {
    # ------------------------------------------------------------------ config
    "home": Route(allow=LOGGED_IN),
    "home_remind": Route(methods=POST, allow=SNV, data=lambda w: {"submission": [w.sxd.pk], "confirm": "1"}),
    "login": Route(methods=BOTH, public=True),
    "logout": Route(methods=POST, public=True, fresh=True),
    "password_change": Route(methods=BOTH, allow=LOGGED_IN),
    "password_change_done": Route(allow=LOGGED_IN),
    "otp_verify": Route(methods=BOTH, allow=LOGGED_IN),
    "otp_setup": Route(methods=BOTH, allow=LOGGED_IN),
    "healthz": Route(public=True),
    # ------------------------------------------------------------------ criteria
    "criteria:framework_list": Route(allow=LOGGED_IN),
    "criteria:framework_detail": Route(kwargs=lambda w: {"code": "tn2024-so"}, allow=LOGGED_IN),
    "criteria:framework_export_xlsx": Route(kwargs=lambda w: {"code": "tn2024-so"}, allow=LOGGED_IN),
    "criteria:framework_import": Route(methods=BOTH, allow=("admin",)),
    # ------------------------------------------------------------------ submissions: the unit's sheet
    "submissions:my_work": Route(allow=LOGGED_IN),
    "submissions:score_page": Route(kwargs=_sub("sxd"), allow=SXD),
    "submissions:entry_save": Route(kwargs=_sxd_leaf, methods=POST, allow=("sxd.capnhat",), also=SXD_WRITE,
                                    data=lambda w: {"version": _entry_version(w), "value": "0",
                                                    "explanation": "Theo Báo cáo 1/BC"}),
    "submissions:history": Route(kwargs=_sxd_leaf, allow=SXD),
    "submissions:evidence_upload": Route(kwargs=_sxd_leaf, methods=POST, allow=("sxd.capnhat",), also=SXD_WRITE),
    "submissions:evidence_reuse": Route(kwargs=_sxd_leaf, methods=BOTH, allow=("sxd.capnhat",), also=SXD_WRITE,
                                        ok=(200, 302, 400)),
    "submissions:review": Route(kwargs=_sub("sxd"), methods=BOTH, allow=SXD, post_allow=("sxd.pheduyet",),
                                data=lambda w: {"step": "edit", "proposed_grade": "HTTNV"}),
    "submissions:print_pdf": Route(kwargs=_sub("sxd"), allow=SXD, heavy=True),
    "submissions:summary_xlsx": Route(kwargs=_sub("sxd"), allow=SXD),
    "submissions:assignments": Route(kwargs=_sub("sxd"), methods=BOTH, allow=SXD, post_allow=("sxd.pheduyet",),
                                     data=lambda w: {"node": w.sxd_leaf.pk, "users": [w.users["sxd.capnhat"].pk]}),
    "submissions:departments": Route(kwargs=_sub("sxd"), methods=BOTH, allow=("sxd.pheduyet",),
                                     data=lambda w: {"step": "departments", "new_code": "p-thu",
                                                     "new_name": "Phòng thử"}),
    "submissions:department_history": Route(kwargs=_sub("sxd"), allow=("sxd.pheduyet",)),
    "submissions:self_report": Route(kwargs=_sub("sxd"), methods=BOTH, allow=SXD, post_allow=SXD_WRITE),
    "submissions:self_report_pdf": Route(kwargs=_sub("sxd"), allow=SXD, heavy=True),
    "submissions:evidence_download": Route(kwargs=lambda w: {"pk": w.sxd_evidence.pk}, allow=SXD),
    "submissions:minutes_download": Route(kwargs=lambda w: {"pk": w.minutes.pk}, allow=SXD),
    "submissions:signed_summary_upload": Route(kwargs=_sub("sxd"), methods=POST, allow=("sxd.pheduyet",)),
    "submissions:signed_summary_download": Route(kwargs=lambda w: {"pk": w.signed_summary.pk}, allow=SXD),
    "submissions:evidence_remove": Route(kwargs=lambda w: {"pk": w.sxd_evidence.pk}, methods=POST,
                                         allow=("sxd.capnhat",), also=SXD_WRITE),
    # ------------------------------------------------------------------ submissions: the secretariat
    "submissions:period_list": Route(allow=SNV, also=SECRETARIATS),
    "submissions:period_create": Route(methods=BOTH, allow=SNV, also=SECRETARIATS),
    "submissions:period_detail": Route(kwargs=lambda w: {"pk": w.cur.pk}, allow=SNV),
    "submissions:period_edit": Route(kwargs=lambda w: {"pk": w.cur.pk}, methods=BOTH, allow=SNV),
    "submissions:unit_list": Route(methods=BOTH, allow=SNV, also=SECRETARIATS),
    "submissions:staff_import": Route(kwargs=lambda w: {"pk": w.sxd.unit_id}, methods=BOTH, allow=SNV),
    "submissions:lineage_list": Route(allow=SNV, also=SECRETARIATS),
    "submissions:reorganisation_import": Route(kwargs=lambda w: {"authority_id": w.cur.authority_id}, methods=BOTH,
                                               allow=SNV),
    "submissions:window_open": Route(kwargs=_sub("sxd"), methods=BOTH, allow=SNV),
    # ------------------------------------------------------------------ appraisal: the council
    "appraisal:home": Route(allow=("stc.thamdinh", "ld.ubnd", "snv.thuongtruc", "ct.hoidong"),
                            also=("ttt.thamdinh", "pnv.dinhhoa", "pnv.thanhhoa")),
    "appraisal:queue": Route(kwargs=lambda w: {"member_id": w.member.pk}, allow=("stc.thamdinh",)),
    "appraisal:unit_page": Route(kwargs=_member, allow=("stc.thamdinh",)),
    "appraisal:appraisal_save": Route(kwargs=_member_leaf, methods=POST, allow=("stc.thamdinh",),
                                      data=lambda w: {"version": "0", "value": "0", "comment": "Thiếu tài liệu"}),
    "appraisal:appraisal_history": Route(kwargs=_member_leaf, allow=("stc.thamdinh",)),
    "appraisal:quality_save": Route(kwargs=lambda w: {**_member(w), "node_id": w.quality_node.pk}, methods=POST,
                                    allow=("stc.thamdinh",), data=lambda w: {"level": "", "reason": ""}),
    "appraisal:supplement": Route(kwargs=_member, methods=POST, allow=("stc.thamdinh",),
                                  data=lambda w: {"nodes": [w.member_leaf.pk], "message": "Bổ sung",
                                                  "closes_at": (timezone.localtime() + timedelta(days=3))
                                                  .strftime("%d/%m/%Y %H:%M")}),
    "appraisal:self_scores_confirm": Route(kwargs=_member, methods=POST, allow=("stc.thamdinh",),
                                           data=lambda w: {"confirm": [w.member_leaf.pk],
                                                           f"v-{w.member_leaf.pk}": _appraisal_version(w)}),
    "appraisal:evidence": Route(kwargs=lambda w: {"evidence_id": w.member_evidence.pk},
                                allow=("stc.thamdinh", "ct.hoidong")),
    "appraisal:council_decision": Route(kwargs=lambda w: {"period_id": w.multi.period_id,
                                                          "submission_id": w.multi.pk, "node_id": w.multi_node.pk},
                                        methods=BOTH, allow=SNV, data=lambda w: {"points": "1", "reason": "Họp"}),
    # ------------------------------------------------------------------ appraisal: the unit's side
    "appraisal:unit_requests": Route(kwargs=lambda w: {"submission_id": w.stp.pk},
                                     allow=("stp.pheduyet", "snv.thuongtruc")),
    "appraisal:answer": Route(kwargs=lambda w: {"request_id": w.supplement.pk}, methods=POST,
                              allow=("stp.pheduyet",), data=lambda w: {"answer": "Đã bổ sung Báo cáo 9/BC"}),
    "appraisal:unit_results": Route(kwargs=lambda w: {"submission_id": w.sxd_pub.pk}, allow=SXD),
    # ------------------------------------------------------------------ appraisal: leaders, chair, secretariat
    "appraisal:leader_forms": Route(kwargs=lambda w: {"period_id": w.cur.pk}, allow=("ld.ubnd",)),
    "appraisal:leader_form": Route(kwargs=lambda w: {"period_id": w.cur.pk, "unit_id": w.sxd.unit_id}, methods=BOTH,
                                   allow=("ld.ubnd",)),
    "appraisal:chair_units": Route(kwargs=lambda w: {"period_id": w.cur.pk}, allow=("ct.hoidong",)),
    "appraisal:chair_unit": Route(kwargs=lambda w: {"period_id": w.cur.pk, "submission_id": w.stp.pk},
                                  allow=("ct.hoidong",)),
    "appraisal:period_matrix": Route(kwargs=lambda w: {"period_id": w.cur.pk}, methods=BOTH, allow=SNV,
                                     data=lambda w: {"action": "calendar", "allowed": "10", "holidays": ""}),
    "appraisal:council": Route(kwargs=lambda w: {"period_id": w.cur.pk}, methods=BOTH, allow=SNV),
    "appraisal:tally": Route(kwargs=lambda w: {"period_id": w.cur.pk, "unit_id": w.sxd.unit_id}, methods=BOTH,
                             allow=SNV),
    "appraisal:export_xlsx": Route(kwargs=lambda w: {"period_id": w.cur.pk}, allow=SNV),
    # ------------------------------------------------------------------ appraisal: paper dossiers
    "appraisal:paper_period": Route(kwargs=lambda w: {"period_id": w.cur.pk}, allow=SNV),
    "appraisal:paper_block": Route(kwargs=lambda w: {"period_id": w.cur.pk, "block_id": w.sxd.block_id},
                                   methods=POST, allow=SNV, data=lambda w: {"paper": "0"}),
    "appraisal:paper_dossier": Route(kwargs=_paper, methods=POST, allow=SNV),
    "appraisal:paper_queue": Route(kwargs=lambda w: {"period_id": w.cur.pk}, allow=("stc.thamdinh",),
                                   also=("ttt.thamdinh",)),
    "appraisal:paper_entry": Route(kwargs=_paper, allow=("stc.thamdinh",), also=("ttt.thamdinh",)),
    "appraisal:paper_entry_save": Route(kwargs=lambda w: {**_paper(w), "node_id": w.sxd_leaf.pk}, methods=POST,
                                        allow=("stc.thamdinh",), also=("ttt.thamdinh",),
                                        data=lambda w: {"version": "0", "value": "0"},
                                        # the demo's sheet is not on paper: the member is let in and shown the
                                        # entry page with the refusal (400), what was typed kept
                                        ok=(200, 302, 400)),
    "appraisal:paper_evidence": Route(kwargs=lambda w: {**_paper(w), "node_id": w.sxd_leaf.pk}, methods=POST,
                                      allow=("stc.thamdinh",), also=("ttt.thamdinh",),
                                      ok=(200, 302, 400)),  # no file sent: the entry page with the refusal
    "appraisal:paper_send": Route(kwargs=_paper, methods=BOTH, allow=("stc.thamdinh",), also=("ttt.thamdinh",)),
    # ------------------------------------------------------------------ ranking
    "ranking:periods": Route(allow=RANKING, also=SECRETARIATS),
    "ranking:period": Route(kwargs=lambda w: {"pk": w.pub.pk}, allow=RANKING),
    "ranking:block": Route(kwargs=lambda w: {"pk": w.pub.pk, "block_id": w.sxd_pub.block_id}, methods=BOTH,
                           allow=RANKING, data=lambda w: {"action": "compute"}),
    "ranking:facts": Route(kwargs=lambda w: {"pk": w.pub.pk, "unit_id": w.sxd_pub.unit_id}, methods=BOTH,
                           allow=SNV, data=lambda w: {"discipline": "none", "corruption": "none"}),
    "ranking:head_grades": Route(kwargs=lambda w: {"pk": w.pub.pk, "block_id": w.sxd_pub.block_id}, methods=BOTH,
                                 allow=SNV),
    "ranking:workbook": Route(kwargs=lambda w: {"pk": w.pub.pk}, allow=RANKING),
    "ranking:annex": Route(kwargs=lambda w: {"pk": w.pub.pk}, allow=RANKING, heavy=True),
    "ranking:report_request": Route(kwargs=lambda w: {"pk": w.pub.pk}, methods=BOTH, allow=RANKING,
                                    data=lambda w: {"kind": "workbook"}),
    "ranking:report_job": Route(kwargs=lambda w: {"pk": w.pub.pk, "job_id": w.job.pk}, allow=RANKING),
    "ranking:lost_points": Route(kwargs=lambda w: {"submission_id": w.sxd_pub.pk}, allow=SXD),
    "ranking:subordinate_results": Route(kwargs=lambda w: {"unit_id": w.assessing.pk}, allow=SNV),
    "ranking:public_list": Route(public=True),
    "ranking:public_detail": Route(kwargs=lambda w: {"version_id": w.version.pk}, public=True),
    "ranking:lost_points_page": Route(kwargs=_lost, allow=(*SXD, "ld.ubnd", "ct.ubnd")),
    # The preliminary stage of the open period (after publication, the analysis window of demo 2024 is over).
    "ranking:lost_points_note": Route(kwargs=lambda w: {"submission_id": w.sxd.pk, "stage": "so-bo",
                                                        "node_id": w.sxd_leaf.pk}, methods=POST,
                                      allow=("sxd.capnhat",), also=SXD_WRITE,
                                      data=lambda w: {"version": "0", "cause": "Chưa đủ tài liệu"}),
    "ranking:lost_points_unit_report": Route(kwargs=lambda w: _lost(w, fmt="xlsx"),
                                             allow=(*SXD, "ld.ubnd", "ct.ubnd")),
    "ranking:lost_points_previous": Route(kwargs=lambda w: {"submission_id": w.sxd.pk}, allow=(*SXD, "ct.hoidong")),
    "ranking:lost_points_previous_pdf": Route(kwargs=lambda w: {"submission_id": w.sxd.pk},
                                              allow=(*SXD, "ct.hoidong"), heavy=True),
    "ranking:lost_points_period": Route(kwargs=lambda w: {"pk": w.pub.pk}, methods=BOTH, allow=SNV),
    "ranking:lost_points_period_report": Route(kwargs=lambda w: {"pk": w.pub.pk, "stage": "sau-cong-bo",
                                                                 "fmt": "xlsx"}, allow=SNV),
}


# --------------------------------------------------------------------------- the URLconf


def url_names() -> set[str]:
    """Every named URL pattern of the four apps and the project's own views, read from the URLconf."""
    found: set[str] = set()

    def walk(patterns, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace in APPS:
                    walk(pattern.url_patterns, pattern.namespace)
            elif isinstance(pattern, URLPattern) and pattern.name:
                if namespace:
                    found.add(f"{namespace}:{pattern.name}")
                elif pattern.name in CONFIG_NAMES or pattern.callback.__module__.startswith("config."):
                    found.add(pattern.name)

    walk(get_resolver().url_patterns, None)
    return found


def test_every_url_name_has_an_entry():
    names = url_names()
    missing = sorted(names - ROUTES.keys())
    stale = sorted(ROUTES.keys() - names)
    assert not missing, ("URL names without an entry in tests/test_access_matrix.py ROUTES (who may use them, "
                         f"who is refused): {', '.join(missing)}")
    assert not stale, f"entries of ROUTES for URL names that no longer exist: {', '.join(stale)}"
    assert {n.split(":")[0] for n in names if ":" in n} == set(APPS)


# --------------------------------------------------------------------------- the world


def _leaf_of(submission, *, covered_by=None):
    """The first scored leaf of the sheet (that ``covered_by``'s agency appraises)."""
    from appraisal.permissions import _covers
    from criteria.models import Node

    chain = {n.id: n for n in Node.objects.filter(framework_id=submission.framework_id)}
    for node in sorted(chain.values(), key=lambda n: n.ordering):
        if not node.rule or node.rule.get("kind") == "survey":
            continue
        if covered_by and not _covers(covered_by, node, chain):
            continue
        return node
    raise AssertionError(f"no leaf for {covered_by} in {submission}")


def _world() -> SimpleNamespace:
    from appraisal import services as appraisal_services
    from appraisal.models import CouncilMember
    from appraisal.selectors import member_unit_rows
    from appraisal.views import _unit_context
    from criteria.models import Authority
    from ranking.models import RankingVersion, ReportJob
    from submissions.departments import department_create
    from submissions.models import EndorsementMinutes, Evidence, Period, SignedSummary, Submission, Unit, User
    from tests.factories import UserFactory

    UserFactory(username=NO_ROLE)
    User.objects.update(must_change_password=False)
    w = SimpleNamespace()
    w.users = {u.username: u for u in User.objects.filter(username__in=[*ACTORS, "admin"])}
    w.cur, w.pub = Period.objects.get(code="demo-2025"), Period.objects.get(code="demo")
    w.sxd = Submission.objects.get(period=w.cur, unit__code="so-xay-dung")
    w.stp = Submission.objects.get(period=w.cur, unit__code="so-tu-phap")
    w.sxd_pub = Submission.objects.get(period=w.pub, unit__code="so-xay-dung")
    w.sxd_leaf = _leaf_of(w.sxd)
    w.sxd_evidence = Evidence.objects.filter(entry__submission=w.sxd).first()
    w.member = CouncilMember.objects.get(period=w.cur, user__username="stc.thamdinh")
    other = CouncilMember.objects.get(period=w.cur, user__username="ttt.thamdinh")
    w.member_leaf = _leaf_of(w.stp, covered_by=w.member)
    # Evidence of a criterion Sở Tài chính appraises and Thanh tra tỉnh does not: the other member is refused.
    mine = {r.node.pk for r in member_unit_rows(w.member, w.stp)} - {r.node.pk for r in member_unit_rows(other, w.stp)}
    w.member_evidence = Evidence.objects.filter(entry__submission=w.stp, entry__node_id__in=mine).first()
    w.quality_node = _unit_context(w.member, w.stp)["quality"][0].node
    w.multi, w.multi_node = next((s, r.node) for s in Submission.objects.filter(status=Submission.SENT)
                                 for r in member_unit_rows(None, s) if r.multi)
    pdf = b"%PDF-1.4\n%minh hoa\n"
    approver = w.users["sxd.pheduyet"]
    w.minutes = EndorsementMinutes.objects.create(submission=w.sxd, file=ContentFile(pdf, name="bien-ban.pdf"),
                                                  original_name="bien-ban.pdf", kind="pdf", mime="application/pdf",
                                                  size=len(pdf), sha256=hashlib.sha256(pdf).hexdigest(),
                                                  uploaded_by=approver)
    w.signed_summary = SignedSummary.objects.create(
        submission=w.sxd, file=ContentFile(pdf, name="bang.pdf"), original_name="bang.pdf", size=len(pdf),
        sha256=hashlib.sha256(pdf).hexdigest(), fingerprint="0" * 64, status="signed_valid", uploaded_by=approver)
    w.supplement = appraisal_services.supplement_request(
        submission=w.stp, member=w.member, nodes=[w.member_leaf], message="Bổ sung tài liệu",
        closes_at=timezone.now() + timedelta(days=3))
    department_create(unit=w.sxd.unit, code="van-phong", name="Văn phòng Sở")  # its page has more to post
    w.job = ReportJob.objects.create(period=w.pub, kind=ReportJob.KINDS[1][0], requested_by=w.users["snv.thuongtruc"])
    w.version = RankingVersion.objects.filter(period=w.pub, status=RankingVersion.PUBLISHED).first()
    w.assessing = Unit.objects.get(code="ubnd-dinh-hoa")
    w.assessing.assesses = Authority.objects.get(code="huyen-dinh-hoa")
    w.assessing.save(update_fields=["assesses"])
    return w


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    with demo_province(django_db_blocker, tmp_path_factory, "matrix"):
        w = _world()
        w.checked, w.clients = 0, {ANONYMOUS: Client()}
        for name in ACTORS[1:] + ("admin",):
            w.clients[name] = Client()
            w.clients[name].force_login(w.users[name])
        yield w
        print(f"\naccess matrix: {len(ROUTES)} URL names, {w.checked} actor × route × method requests")


def _consume(response):
    if response.streaming:
        b"".join(response.streaming_content)
    return response


def _refused(name: str, actor: str, method: str, response) -> str | None:
    """Why ``response`` is not a refusal of ``actor``, or None."""
    status = response.status_code
    if actor == ANONYMOUS:
        if status == 302 and "/dang-nhap/" in response["Location"]:
            return None
        return f"{name} {method} as {actor}: HTTP {status} {response.get('Location', '')}, not the login page"
    if status in (403, 404):
        return None
    return f"{name} {method} as {actor}: HTTP {status}, not refused (403/404)"


def _let_in(name: str, actor: str, method: str, response, ok, *, public: bool = False) -> str | None:
    status = response.status_code
    if status in ok and (public or not (status == 302 and "/dang-nhap/" in response["Location"])):
        return None
    return f"{name} {method} as {actor}: HTTP {status} {response.get('Location', '')}, expected {ok}"


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_access(world, name):
    route = ROUTES[name]
    url = reverse(name, kwargs=route.kwargs(world))
    data = route.data(world)
    problems = []

    def client(actor):
        if route.fresh and actor != ANONYMOUS:
            fresh = Client()
            fresh.force_login(world.users[actor])
            return fresh
        return world.clients[actor]

    def send(actor, method):
        world.checked += 1
        c = client(actor)
        return _consume(c.get(url) if method == "GET" else c.post(url, data))

    if route.public:
        for actor in (ANONYMOUS, "sxd.capnhat"):
            problems.append(_let_in(name, actor, route.methods[0], send(actor, route.methods[0]), route.ok,
                                    public=True))
    else:
        with watching() as watch:
            for method in route.methods:
                allowed = route.post_allow if method == "POST" and route.post_allow is not None else route.allow
                for actor in ACTORS:
                    if actor not in allowed and actor not in route.also:
                        problems.append(_refused(name, actor, method, send(actor, method)))
        if changed := watch.changed():
            problems.append(f"{name}: a refused request changed {', '.join(changed)}")
        method = route.methods[0]
        for actor in route.allow[:1] if route.heavy else route.allow:
            problems.append(_let_in(name, actor, method, send(actor, method), route.ok))
    problems = [p for p in problems if p]
    assert not problems, "\n".join(problems)



def test_the_write_watch_sees_a_change_but_not_a_rolled_back_one(world):
    """The check behind "a refused request changes nothing" (tests.write_watch) can fail."""
    from submissions.models import RefusedAccess, Unit

    unit = world.sxd.unit
    with watching() as watch:
        with transaction.atomic():
            Unit.objects.filter(pk=unit.pk).update(name="Tên khác")
            transaction.set_rollback(True)  # undone: not a change
        RefusedAccess.objects.create(path="/", method="GET", status=404)  # the log of refusals: ignored
    assert watch.changed() == []
    with watching() as watch:
        Unit.objects.filter(pk=unit.pk).update(name="Tên khác")
    assert watch.changed() == [Unit._meta.db_table]
    Unit.objects.filter(pk=unit.pk).update(name=unit.name)
