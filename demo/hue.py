"""A Huế-style PAR-index period, from its opening to its publication (issue #13, "Done when"; seed 001).

Seed 001 (Hội đồng thẩm định Thừa Thiên Huế, Công văn 1367/SNV-HĐTĐ, 28/10/2021; docs/process.md) describes how
the sở of a province self-score their Chỉ số CCHC in the software, and this period ``hue-2021-cchc`` replays it on
the demo framework ``tth2021-cchc-demo`` (fixtures/demo/, rank only), step by step and dated as the seed dates it:

1. before 05/11/2021 each unit sends the Sở Nội vụ the list of its staff with their right, "Cập nhật báo cáo" or
   "Phê duyệt báo cáo"; the secretariat imports each list (``staff_import``: personal accounts matched by
   e-mail, which is also how the province's SSO finds them, ``config.oidc``);
2. from 15/11 to 17:00 25/11/2021 (Bước 1–3): the officer enters every score, its explanation and the signed
   electronic document behind it; one criterion of Sở Y tế is backed only by a scan ("văn bản quét Scan là
   không đạt điểm tối đa");
3. Bước 4: the approver downloads the summary table (score sheet PDF), signs it with the unit's own certificate
   outside the software (``demo.signing`` plays that tool), uploads it, and sends: the period requires it
   (``signed_summary_required``);
4. the Sở Nội vụ announces a supplementary round for one criterion of one unit (a window), which the unit answers;
5. the council appraises every criterion by agency; the scanned criterion is appraised below its maximum;
6. the secretariat releases the results and closes the round; the block is ranked (rank only, no grades), the
   chairman approves it under a decision and it is published.

Every name marked "(minh họa)" is demo data. Skipped as a whole once the period exists.
"""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management import call_command
from openpyxl import Workbook

from criteria.models import Framework, Node
from submissions import services
from submissions.models import Block, Entry, Period, Role, Submission, Unit

from .common import account, same_file, seats
from .signing import sign, unit_certificate

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
DOMAIN = "thuathienhue.example.gov.vn"
PERIOD = "hue-2021-cchc"
FRAMEWORK = "tth2021-cchc-demo"
OPENS = datetime(2021, 11, 15, 7, 30, tzinfo=LOCAL)
CLOSES = datetime(2021, 11, 25, 17, 0, tzinfo=LOCAL)
DECISION = ("86/QĐ-UBND", date(2022, 1, 14))
# unit code, name, short code used in document numbers
UNITS = [
    ("hue-so-xay-dung", "Sở Xây dựng tỉnh Thừa Thiên Huế (minh họa)", "SXD"),
    ("hue-so-y-te", "Sở Y tế tỉnh Thừa Thiên Huế (minh họa)", "SYT"),
    ("hue-so-gd-dt", "Sở Giáo dục và Đào tạo tỉnh Thừa Thiên Huế (minh họa)", "SGDĐT"),
]
# Of each unit's points, the share the council keeps per criterion (a lowered criterion loses a fifth).
LOWERED = {"hue-so-xay-dung": {"3.2"}, "hue-so-y-te": {"5.1", "7.2"}, "hue-so-gd-dt": {"1.2", "3.2", "6.1"}}
SCANNED = ("hue-so-y-te", "7.1")  # backed by a scan only: not full marks (seed 001 §3)
SUPPLEMENT = ("hue-so-gd-dt", "2.2")  # the supplementary round (seed 001 §4)
# username, full name, position, role, scope (authority roles only; unit staff come from the staff lists)
ACCOUNTS = [
    ("snv.hue", "Trần Thị Hằng", "Chuyên viên Phòng CCHC, Sở Nội vụ (minh họa)", Role.SECRETARIAT),
    ("ct.hoidong.hue", "Trần Minh Long", "Phó Giám đốc Sở Nội vụ, Phó Chủ tịch Hội đồng thẩm định (minh họa)",
     Role.CHAIR),
    ("ct.ubnd.hue", "Nguyễn Văn Phương", "Chủ tịch UBND tỉnh (minh họa)", Role.CHAIRMAN),
]
# username, full name, agency of the council (one seat per appraising agency of the framework)
COUNCIL = [
    ("hue.td.noivu", "Lê Thị Hương", "Sở Nội vụ"), ("hue.td.tuphap", "Phan Văn Quang", "Sở Tư pháp"),
    ("hue.td.vpubnd", "Hồ Thị Mai", "Văn phòng UBND tỉnh"), ("hue.td.taichinh", "Ngô Văn Thành", "Sở Tài chính"),
    ("hue.td.tttt", "Đoàn Văn Tùng", "Sở Thông tin và Truyền thông"),
]


def staff_list(unit_code: str, unit_name: str) -> bytes:
    """The list a unit sends the Sở Nội vụ (seed 001 §2: TT, Họ và tên, Chức vụ, Email, Quyền)."""
    book = Workbook()
    sheet = book.active
    sheet.append([f"DANH SÁCH CÁN BỘ, CÔNG CHỨC CẬP NHẬT, PHÊ DUYỆT BÁO CÁO — {unit_name.upper()}"])
    sheet.append(["TT", "Họ và tên", "Chức vụ", "Email", "Quyền"])
    short = unit_code.removeprefix("hue-")
    sheet.append([1, f"Nguyễn Thị Cập Nhật {short} (minh họa)", "Chuyên viên Văn phòng",
                  f"capnhat.{short}@thuathienhue.example.gov.vn", "Cập nhật báo cáo"])
    sheet.append([2, f"Trần Văn Phê Duyệt {short} (minh họa)", "Chánh Văn phòng",
                  f"pheduyet.{short}@thuathienhue.example.gov.vn", "Phê duyệt báo cáo"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _document() -> bytes:
    """One illustrative report (rendered once: each unit signs its own copy, Sở Y tế also uploads it as a scan)."""
    from weasyprint import HTML

    return HTML(string="<h1>Báo cáo kết quả cải cách hành chính năm 2021</h1><p>Tài liệu minh họa.</p>").write_pdf()


def load(command) -> Period | None:
    """Build period ``hue-2021-cchc`` through its whole year (see the module's docstring)."""
    from appraisal import services as appraisal_services
    from ranking import services as ranking_services
    from ranking.models import RankingVersion

    if Period.objects.filter(code=PERIOD).exists():
        return None
    if not Framework.objects.filter(code=FRAMEWORK).exists():
        call_command("load_frameworks", str(settings.BASE_DIR / "fixtures" / "demo" / f"{FRAMEWORK}.yaml"),
                     verbosity=0)
    framework = Framework.objects.get(code=FRAMEWORK)
    province = framework.authority
    block, _ = Block.objects.get_or_create(authority=province, code="so",
                                           defaults={"name": "Khối các sở, ban, ngành cấp tỉnh (minh họa)"})
    units = {}
    for code, name, _short in UNITS:
        units[code], _ = Unit.objects.get_or_create(authority=province, code=code,
                                                    defaults={"name": name, "block": block})
    people = {}
    for username, full_name, position, kind in ACCOUNTS:
        people[username] = account(command, username, full_name, position, domain=DOMAIN,
                                   password=kind == Role.SECRETARIAT)
        Role.objects.get_or_create(user=people[username], kind=kind, authority=province)
    secretariat = people["snv.hue"]

    # Step 1 (before 05/11/2021): the staff lists, imported by the secretariat.
    staff = {}
    for code, name, _short in UNITS:
        result = services.staff_import(unit=units[code], data=staff_list(code, name), actor=secretariat)
        for user, password in result.created:
            command.stdout.write(command.style.SUCCESS(f"{user.username:20} {password:14} {user.full_name} "
                                                       "(SSO theo e-mail công vụ)"))
        roles = Role.objects.filter(unit=units[code]).select_related("user")
        staff[code] = {r.kind: r.user for r in roles}

    period = Period(authority=province, code=PERIOD, kind=Period.RANK_ONLY, year=2021,
                    name="Chỉ số CCHC năm 2021 — các sở, ban, ngành tỉnh Thừa Thiên Huế (minh họa)",
                    opens_at=OPENS, closes_at=CLOSES, data_cutoff=date(2021, 11, 20),
                    settings={"signed_summary_required": True})
    services.period_save(period=period, frameworks={block: framework})
    members = {}
    for username, full_name, agency in COUNCIL:
        user = account(command, username, full_name, f"Thành viên Hội đồng thẩm định, {agency} (minh họa)",
                       domain=DOMAIN)
        members[agency] = appraisal_services.member_add(period=period, user=user, agency=agency)

    leaves = [n for n in Node.objects.filter(framework=framework).order_by("ordering") if n.rule]
    chain = {n.id: n for n in Node.objects.filter(framework=framework)}
    document = _document()
    for day, (code, name, short) in enumerate(UNITS):
        submission = Submission.objects.get(period=period, unit=units[code])
        officer, approver = staff[code][Role.OFFICER], staff[code][Role.APPROVER]
        certificate = unit_certificate(name.removesuffix(" (minh họa)"), "UBND tỉnh Thừa Thiên Huế",
                                       valid_from=datetime(2021, 1, 4, 8, 0, tzinfo=LOCAL))
        entered = OPENS + timedelta(days=2 + day, hours=1)
        # Steps 2–3 (Bước 1–3): every score with its explanation and its evidence.
        signed_source = None
        for i, node in enumerate(leaves):
            number = f"{120 + i}/BC-{short}"
            services.entry_save(submission=submission, node=node, actor=officer, version=0,
                                value=str(node.max_points).replace(".", ","), now=entered,
                                explanation=f"Năm 2021, {name} đã thực hiện đầy đủ nội dung tiêu chí {node.code}: "
                                            f"xem Mục {i % 3 + 1} của Báo cáo số {number} (minh họa).")
            scanned = (code, node.code) == SCANNED
            if scanned:  # a scan: no signature at all
                upload = services.Upload(name=f"Bao-cao-{120 + i}-{short}-ban-quet.pdf",
                                         data=document)
            elif signed_source is None:
                upload = services.Upload(name=f"Bao-cao-{120 + i}-{short}.pdf",
                                         data=sign(document, certificate, at=entered, reason="Phát hành văn bản"))
            else:
                upload = None
            if upload is not None:
                evidence, _ = services.evidence_add(submission=submission, node=node, actor=officer, upload=upload,
                                                    doc_number=number, doc_date=date(2021, 11, 10), issuer=name,
                                                    now=entered)
                # The check is queued for the commit of the whole demo: run it now (the copies share its result).
                evidence = services.evidence_record_signature(evidence_id=evidence.pk) or evidence
                signed_source = signed_source or (None if scanned else evidence)
            else:
                same_file(signed_source, submission, node, number)
        # Step 3 (Bước 4): export, sign outside, upload, send.
        signed_at = CLOSES - timedelta(days=3 - day, hours=4)
        pdf = _score_sheet(submission, signed_at)
        signed = sign(pdf, certificate, at=signed_at + timedelta(minutes=20), reason="Phê duyệt Bảng tổng hợp")
        services.signed_summary_upload(submission=submission, actor=approver, now=signed_at + timedelta(minutes=30),
                                       upload=services.Upload(name=f"bang-tong-hop-{code}-da-ky.pdf", data=signed))
        services.submission_send(submission=submission, actor=approver, endorsed_on=signed_at.date(),
                                 endorsement_note="Lãnh đạo cơ quan phê duyệt báo cáo tự đánh giá (minh họa)",
                                 now=signed_at + timedelta(minutes=40))

    # Step 4: the supplementary round announced by the Sở Nội vụ, answered by the unit.
    code, node_code = SUPPLEMENT
    submission = Submission.objects.get(period=period, unit__code=code)
    node = next(n for n in leaves if n.code == node_code)
    opened = CLOSES + timedelta(days=5)
    services.window_open(submission=submission, nodes=[node], closes_at=opened + timedelta(days=3), actor=secretariat,
                         message="Đề nghị bổ sung giải trình và tài liệu kiểm chứng tiêu chí 2.2 (minh họa).",
                         now=opened)
    entry = Entry.objects.get(submission=submission, node=node)
    services.entry_save(submission=submission, node=node, actor=staff[code][Role.OFFICER], version=entry.version,
                        now=opened + timedelta(days=1),
                        explanation=entry.explanation + " Bổ sung: Kết quả rà soát tại Phụ lục 2 của báo cáo.")

    # Step 5: the council, by agency; the results released; the round closed.
    appraised = CLOSES + timedelta(days=20)
    for code, _name, _short in UNITS:
        submission = Submission.objects.get(period=period, unit__code=code)
        for node in leaves:
            entry = Entry.objects.get(submission=submission, node=node)
            lowered = node.code in LOWERED[code] or (code, node.code) == SCANNED
            value = (entry.points * Decimal("0.8")).quantize(Decimal("0.01")) if lowered else entry.points
            comment = ""
            if (code, node.code) == SCANNED:
                comment = "Tài liệu kiểm chứng là văn bản quét, không có chữ ký số: không đạt điểm tối đa (mục 3)."
            elif lowered:
                comment = "Tài liệu kiểm chứng chưa thể hiện đầy đủ số liệu theo yêu cầu."
            for member in seats(members.values(), node, chain)[:1]:
                appraisal_services.appraisal_save(submission=submission, node=node, actor=member.user, version=0,
                                                  value=str(value), member=member, comment=comment, now=appraised)
    appraisal_services.round_release(period=period, actor=secretariat, now=appraised + timedelta(days=5))
    appraisal_services.round_close(period=period, actor=secretariat, now=appraised + timedelta(days=10))

    # Step 6: rank, order ties, submit, approve and publish.
    computed = appraised + timedelta(days=12)
    version = ranking_services.ranking_compute(period=period, block=block, actor=secretariat, now=computed)
    if version.snapshot["ties"]:
        ranking_services.chair_decide(version=version, orders=version.snapshot["ties"], actor=people["ct.hoidong.hue"],
                                      note="Theo biểu quyết của Hội đồng thẩm định (minh họa)",
                                      now=computed + timedelta(days=1))
    version = RankingVersion.objects.get(pk=version.pk)
    ranking_services.ranking_submit(version=version, actor=secretariat, now=computed + timedelta(days=2))
    number, day = DECISION
    ranking_services.ranking_approve(version=version, actor=people["ct.ubnd.hue"], decision_number=number,
                                     decision_date=day, now=datetime.combine(day, datetime.min.time(), tzinfo=LOCAL)
                                     + timedelta(hours=10))
    command.stdout.write(f"Kỳ “{PERIOD}” (Chỉ số CCHC 2021, kiểu Huế): danh sách cán bộ, chấm điểm, Bảng tổng hợp "
                         f"ký số, bổ sung, thẩm định, xếp hạng và công bố (Quyết định {number}).")
    return period


def _score_sheet(submission: Submission, at: datetime) -> bytes:
    from submissions.reports import score_sheet_pdf

    return score_sheet_pdf(submission, now=at)
