"""A Thanh Hóa-style PAR-index period, from its opening to its publication (issue #13, "Done when"; seed 004).

Seed 004 (UBND TP Thanh Hóa, the yearly PAR-index work plan; docs/process.md) has the city's departments and its
communes and wards self-assess, each its own way, and this period ``th-2025-cchc`` replays 2025 on the demo
framework ``th2025-cchc-demo`` (fixtures/demo/, rank only), dated as the seed dates the steps:

1. the period opens on 01/11/2025 with its own deadlines: communes and wards send by 17:00 05/12 and are
   appraised by 17:00 15/12, the departments send by 17:00 15/12 and are appraised by 17/12 (seed 004 §2.1.b,
   §2.2.b); the secretariat sets the preliminary analysis due by 20/11 (§2.1.a);
2. the block of communes and wards sends on paper (§2.2: "chấm điểm bằng hình thức trực tiếp … bản giấy");
3. Phòng Nội vụ shares its sheet among its three sections ("phân công là bắt buộc"): each section's officer
   scores only the areas assigned to it, the head approves and sends;
4. before 20/11 every department reviews its expected score and explains each lost point (nguyên nhân, biện
   pháp xử lý, khắc phục: §2.1.a, "đánh giá sơ bộ");
5. the communes' dossiers arrive: two on time, Hoằng Quang's on 08/12, after the deadline — recorded, never
   appraised ("không tiến hành đánh giá đối với những đơn vị gửi báo cáo chậm"); the appraisal team enters the
   on-time dossiers with scans of their documents, marked "nhập từ hồ sơ giấy", and passes them on;
6. the Tổ thẩm định appraises every criterion, the secretariat enters the survey part's paper tallies (XHH),
   releases the results and closes the round; both blocks are ranked, approved and published on 20/12/2025;
7. within 10 days every unit analyses the points the council took off (8.1), within 20 its remedies (8.2):
   next year's council reads them as the evidence of those criteria.

Runs after ``load_demo._par_city`` (its city, units and accounts). Every name marked "(minh họa)" is demo data.
Skipped as a whole once the period exists.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from criteria.models import Framework, Node
from submissions import services
from submissions.models import Block, Entry, Period, PeriodBlock, Role, Submission, Unit, User
from submissions.phase_deadlines import APPRAISAL

from .common import account, same_file, seats
from .signing import sign, unit_certificate

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
DOMAIN = "thanhhoa.example.gov.vn"
PERIOD = "th-2025-cchc"
FRAMEWORK = "th2025-cchc-demo"
OPENS = datetime(2025, 11, 1, 7, 30, tzinfo=LOCAL)
PRELIMINARY_DUE = datetime(2025, 11, 20, 17, 0, tzinfo=LOCAL)
COMMUNES_DUE = datetime(2025, 12, 5, 17, 0, tzinfo=LOCAL)
DEPARTMENTS_DUE = datetime(2025, 12, 15, 17, 0, tzinfo=LOCAL)
COUNCIL_COMMUNES_DUE = datetime(2025, 12, 15, 17, 0, tzinfo=LOCAL)  # seed 004: the team appraises by 15/12
COUNCIL_DEPARTMENTS_DUE = datetime(2025, 12, 17, 17, 0, tzinfo=LOCAL)  # after their own 15/12 (not before)
DECISION = ("5120/QĐ-UBND", date(2025, 12, 20))
# Phòng Nội vụ's three sections and the areas each scores (seed 004 §1.1 gives Phòng Nội vụ areas I, IV, V).
SECTIONS = [
    ("cchc", "Bộ phận Cải cách hành chính", "I", "pnv.th.cchc", "Lê Văn Cường"),
    ("tcbc", "Bộ phận Tổ chức - Biên chế", "IV", "pnv.th.tcbc", "Phạm Thị Thu"),
    ("ccvc", "Bộ phận Công chức - Viên chức", "V", "pnv.th.ccvc", "Nguyễn Đức Minh"),
]
OTHER_AREAS = ("cchc", ["II", "III", "VI", "VII"])  # the rest falls to the CCHC section
# unit code → (day its dossier reached the city, or None for a department) and the criteria it loses points on
DOSSIERS = {"th-phuong-dong-son": date(2025, 12, 4), "th-xa-thieu-van": date(2025, 12, 5),
            "th-xa-hoang-quang": date(2025, 12, 8)}
SHORT = {"th-phong-noi-vu": "PNV", "th-phong-tu-phap": "PTP", "th-phong-tc-kh": "TCKH",
         "th-phuong-dong-son": "UBND-DS", "th-xa-thieu-van": "UBND-TV", "th-xa-hoang-quang": "UBND-HQ"}
SELF_LOSS = {"th-phong-noi-vu": {"1.3", "5.2"}, "th-phong-tu-phap": {"2.2", "3.4", "7.1"},
             "th-phong-tc-kh": {"6.1"}, "th-phuong-dong-son": {"3.3", "7.2"}, "th-xa-thieu-van": {"1.1", "4.2"}}
COUNCIL_LOSS = {"th-phong-noi-vu": {"3.2"}, "th-phong-tu-phap": {"1.4"}, "th-phong-tc-kh": {"6.2", "7.3"},
                "th-phuong-dong-son": {"5.1"}, "th-xa-thieu-van": {"3.1", "6.1"}}
# username, full name, agency (one member per appraising agency of the framework: the Tổ thẩm định)
TEAM = [("th.td.noivu", "Hoàng Thị Lan", "Phòng Nội vụ"), ("th.td.tuphap", "Vũ Văn Nam", "Phòng Tư pháp"),
        ("th.td.vanphong", "Trịnh Thị Hà", "Văn phòng HĐND và UBND"),
        ("th.td.tckh", "Lê Quốc Việt", "Phòng Tài chính - Kế hoạch"),
        ("th.td.vhtt", "Đỗ Thị Thảo", "Phòng Văn hóa và Thông tin")]
LEADERS = [("ct.ubnd.thanhhoa", "Lê Anh Tuấn", "Chủ tịch UBND thành phố (minh họa)", Role.CHAIRMAN),
           ("ct.hoidong.thanhhoa", "Nguyễn Thị Phương", "Phó Chủ tịch UBND thành phố, Chủ tịch Hội đồng thẩm định "
            "(minh họa)", Role.CHAIR)]


def _at(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=LOCAL)


def _lost(node: Node, share: str = "0.5") -> Decimal:
    return (node.max_points * Decimal(share)).quantize(Decimal("0.01"))


def _document() -> bytes:
    from weasyprint import HTML

    return HTML(string="<h1>Báo cáo kết quả cải cách hành chính năm 2025</h1><p>Tài liệu minh họa.</p>").write_pdf()


def load(command) -> Period | None:
    """Build period ``th-2025-cchc`` through its whole year (see the module's docstring)."""
    from appraisal import paper
    from appraisal import services as appraisal_services
    from appraisal.models import PaperBlock
    from ranking import lost_points
    from ranking import services as ranking_services
    from ranking.models import LostPointNote, RankingVersion
    from submissions import departments

    if Period.objects.filter(code=PERIOD).exists():
        return None
    framework = Framework.objects.get(code=FRAMEWORK)
    city = framework.authority
    blocks = {b.code: b for b in Block.objects.filter(authority=city, code__in=["phong", "xa-phuong"])}
    secretariat = User.objects.get(username="pnv.thanhhoa")
    head = User.objects.get(username="pnv.thanhhoa.pheduyet")  # Trưởng phòng Nội vụ, the approver
    people = {}
    for username, full_name, position, kind in LEADERS:
        people[username] = account(command, username, full_name, position, domain=DOMAIN)
        Role.objects.get_or_create(user=people[username], kind=kind, authority=city)

    # Step 1: the period, its deadlines and the preliminary analysis' calendar.
    period = Period(authority=city, code=PERIOD, kind=Period.RANK_ONLY, year=2025,
                    name="Chỉ số CCHC năm 2025 — TP Thanh Hóa (minh họa, đã công bố)", opens_at=OPENS,
                    closes_at=DEPARTMENTS_DUE, data_cutoff=date(2025, 11, 30), settings={"departments_required": True})
    services.period_save(period=period, frameworks={b: framework for b in blocks.values()},
                         deadlines={blocks["xa-phuong"]: COMMUNES_DUE},
                         phase_deadlines={blocks["xa-phuong"]: {APPRAISAL: COUNCIL_COMMUNES_DUE},
                                          blocks["phong"]: {APPRAISAL: COUNCIL_DEPARTMENTS_DUE}})
    lost_points.plan_save(period=period, actor=secretariat, deadline=PRELIMINARY_DUE, analysis_days=10, plan_days=20)
    # Step 2: the communes and wards on paper.
    communes = PeriodBlock.objects.get(period=period, block=blocks["xa-phuong"])
    if not PaperBlock.objects.filter(period_block=communes).exists():
        paper.paper_block_set(period_block=communes, enabled=True, actor=secretariat,
                              note="Kế hoạch CCHC năm 2025 của UBND thành phố, mục II.2.2 (minh họa)",
                              now=OPENS + timedelta(hours=1))
    team = {}
    for username, full_name, agency in TEAM:
        user = account(command, username, full_name, f"Tổ thẩm định, {agency} (minh họa)", domain=DOMAIN)
        team[agency] = appraisal_services.member_add(period=period, user=user, agency=agency)

    leaves = [n for n in Node.objects.filter(framework=framework).order_by("ordering") if n.rule]
    scored = [n for n in leaves if n.rule["kind"] != "survey"]
    chain = {n.id: n for n in Node.objects.filter(framework=framework)}
    sections = {n.code: n for n in chain.values() if n.kind == "section"}
    area = {n.id: _area(n, chain) for n in scored}
    document = _document()

    # Step 3: Phòng Nội vụ's sections share its sheet; every department scores and attaches its evidence.
    noi_vu = Unit.objects.get(authority=city, code="th-phong-noi-vu")
    sheet = Submission.objects.get(period=period, unit=noi_vu)
    scorer = {}
    for code, name, section, username, full_name in SECTIONS:
        officer = account(command, username, full_name, f"Chuyên viên {name}, Phòng Nội vụ (minh họa)", domain=DOMAIN)
        Role.objects.get_or_create(user=officer, kind=Role.OFFICER, unit=noi_vu)
        department = departments.Department.objects.filter(unit=noi_vu, code=code).first() \
            or departments.department_create(unit=noi_vu, code=code, name=name)
        departments.department_members_set(department=department, users=[officer])
        owned = [section] + (OTHER_AREAS[1] if code == OTHER_AREAS[0] else [])
        departments.department_nodes_set(submission=sheet, assigned={sections[s].pk: department.pk for s in owned})
        for s in owned:
            scorer[s] = officer
    staff = {"th-phong-noi-vu": head}
    for code, full_name in (("th-phong-tu-phap", "Trần Văn Long"), ("th-phong-tc-kh", "Lê Thị Nga")):
        unit = Unit.objects.get(authority=city, code=code)
        staff[code] = account(command, f"{code.removeprefix('th-').replace('-', '.')}.pheduyet", full_name,
                              f"Trưởng {unit.name}", domain=DOMAIN)
        Role.objects.get_or_create(user=staff[code], kind=Role.APPROVER, unit=unit)
    for day, code in enumerate(staff):
        submission = Submission.objects.get(period=period, unit__code=code)
        entered = OPENS + timedelta(days=8 + day)
        certificate = unit_certificate(submission.unit.name.removesuffix(" (minh họa)"), "UBND thành phố Thanh Hóa",
                                       valid_from=datetime(2025, 1, 2, 8, 0, tzinfo=LOCAL))
        source = None
        for i, node in enumerate(scored):
            actor = scorer[area[node.id]] if code == "th-phong-noi-vu" else staff[code]
            value = _lost(node) if node.code in SELF_LOSS[code] else node.max_points
            number = f"{60 + i}/BC-{SHORT[code]}"
            services.entry_save(submission=submission, node=node, actor=actor, version=0, now=entered,
                                value=str(value).replace(".", ","),
                                explanation=f"Xem Mục {i % 3 + 1} của Báo cáo số {number} (minh họa).")
            if source is None:
                source, _ = services.evidence_add(
                    submission=submission, node=node, actor=actor, now=entered, doc_number=number,
                    doc_date=date(2025, 11, 5), issuer=submission.unit.name,
                    upload=services.Upload(name=f"Bao-cao-{60 + i}-{SHORT[code]}.pdf",
                                           data=sign(document, certificate, at=entered, reason="Phát hành văn bản")))
            else:
                same_file(source, submission, node, number)
        # Step 4: the preliminary analysis of every expected lost point, before 20/11.
        for row in lost_points.rows(submission, LostPointNote.PRELIMINARY):
            lost_points.note_save(submission=submission, node=Node.objects.get(pk=row.node_id), version=0,
                                  stage=LostPointNote.PRELIMINARY, actor=staff[code], now=entered + timedelta(days=1),
                                  cause=f"Chưa hoàn thành đúng hạn nhiệm vụ của tiêu chí {row.code} (minh họa).",
                                  remedy="Rà soát, bổ sung tài liệu kiểm chứng và hoàn thành trước 30/11 (minh họa).",
                                  remedy_due="30/11/2025")
        services.submission_send(submission=submission, actor=staff[code], endorsed_on=date(2025, 12, 12),
                                 endorsement_note="Trưởng phòng phê duyệt báo cáo tự đánh giá (minh họa)",
                                 now=_at(date(2025, 12, 12), 15))

    # Step 5: the paper dossiers; the on-time ones entered by the team, with scans, and passed on.
    entry_team = team["Phòng Nội vụ"]
    for code, received in DOSSIERS.items():
        submission = Submission.objects.get(period=period, unit__code=code)
        paper.dossier_record(submission=submission, received_on=received, actor=secretariat,
                             note="Hồ sơ giấy nhận tại Phòng Nội vụ (minh họa)", now=_at(received, 16))
        if code not in SELF_LOSS:
            continue  # late: recorded, never entered
        entered = _at(date(2025, 12, 9))
        for i, node in enumerate(scored):
            value = _lost(node) if node.code in SELF_LOSS[code] else node.max_points
            number = f"{30 + i}/BC-{SHORT[code]}"
            paper.paper_entry_save(submission=submission, node=node, actor=entry_team.user, version=0, now=entered,
                                   value=str(value).replace(".", ","),
                                   explanation=f"Theo hồ sơ giấy: Báo cáo số {number}, Mục {i % 3 + 1} (minh họa).")
            if i == 0:
                source, _ = paper.paper_evidence_add(
                    submission=submission, node=node, actor=entry_team.user, now=entered, doc_number=number,
                    doc_date=date(2025, 11, 28), issuer=submission.unit.name,
                    upload=services.Upload(name=f"Ban-chup-{30 + i}-{SHORT[code]}.pdf", data=document))
            else:
                same_file(source, submission, node, number)
        paper.paper_send(submission=submission, actor=entry_team.user, now=entered + timedelta(hours=4))
    services.submissions_lock_overdue(now=DEPARTMENTS_DUE + timedelta(minutes=1))

    # Step 6: the appraisal, the survey's paper tallies, release, close; rank, approve, publish.
    appraisable = Submission.objects.filter(period=period, status=Submission.SENT).select_related("unit")
    for submission in appraisable:
        code = submission.unit.code
        appraised = _at(date(2025, 12, 12) if code in DOSSIERS else date(2025, 12, 16))  # each before its deadline
        for node in scored:
            entry = Entry.objects.get(submission=submission, node=node)
            lowered = node.code in COUNCIL_LOSS[code]
            value = (entry.points * Decimal("0.6")).quantize(Decimal("0.01")) if lowered else entry.points
            comment = "Tài liệu kiểm chứng chưa chứng minh đủ yêu cầu." if lowered else ""
            if not lowered and code in DOSSIERS:  # the maximum on scans needs its reason (appraisal.rules)
                comment = "Bản chụp hồ sơ giấy đã được Tổ thẩm định đối chiếu với bản gốc lưu tại Phòng Nội vụ."
            for member in seats(team.values(), node, chain)[:1]:
                appraisal_services.appraisal_save(submission=submission, node=node, actor=member.user, version=0,
                                                  value=str(value), member=member, now=appraised, comment=comment)
        for i, node in enumerate(n for n in leaves if n.rule["kind"] == "survey"):
            appraisal_services.paper_tally_save(period=period, unit=submission.unit, node=node, actor=secretariat,
                                                counts={"5": 30 + 3 * i, "4": 12, "3": 5 + i, "2": 2, "1": 1})
    appraisal_services.round_release(period=period, actor=secretariat, now=_at(date(2025, 12, 17)))
    appraisal_services.round_close(period=period, actor=secretariat, now=_at(date(2025, 12, 18)))
    number, day = DECISION
    for block in blocks.values():
        version = ranking_services.ranking_compute(period=period, block=block, actor=secretariat,
                                                   now=_at(date(2025, 12, 18), 14))
        if version.snapshot["ties"]:
            ranking_services.chair_decide(version=version, orders=version.snapshot["ties"],
                                          actor=people["ct.hoidong.thanhhoa"], now=_at(date(2025, 12, 19)),
                                          note="Theo biểu quyết của Hội đồng thẩm định (minh họa)")
        version = RankingVersion.objects.get(pk=version.pk)
        ranking_services.ranking_submit(version=version, actor=secretariat, now=_at(date(2025, 12, 19), 10))
        ranking_services.ranking_approve(version=version, actor=people["ct.ubnd.thanhhoa"], decision_number=number,
                                         decision_date=day, now=_at(day, 10))

    # Step 7: the analysis on the appraised scores, within 10 (cause) and 20 (remedy) days of the decision.
    for submission in appraisable:
        actor = staff.get(submission.unit.code) or entry_team.user
        if submission.unit.code not in staff:
            continue  # a commune's analysis is on paper too: the demo leaves it for the team to enter
        for row in lost_points.rows(submission, LostPointNote.APPRAISED):
            lost_points.note_save(submission=submission, node=Node.objects.get(pk=row.node_id), version=0,
                                  stage=LostPointNote.APPRAISED, actor=actor, now=_at(date(2025, 12, 26)),
                                  cause=f"Hội đồng trừ điểm tiêu chí {row.code}: "
                                        f"{row.council_reason or 'xem nhận xét'}",
                                  remedy="Bổ sung quy trình kiểm tra nội bộ; báo cáo kết quả quý I/2026 (minh họa).",
                                  remedy_due="31/03/2026")
    command.stdout.write(f"Kỳ “{PERIOD}” (Chỉ số CCHC 2025, kiểu Thanh Hóa): phân công cho các bộ phận, phân tích "
                         f"điểm bị mất, hồ sơ giấy (một hồ sơ nộp chậm), thẩm định, xếp hạng và công bố "
                         f"(Quyết định {number}).")
    return period


def _area(node: Node, chain: dict) -> str:
    """The code of the section a leaf sits under."""
    current = node
    while current is not None and current.kind != "section":
        current = chain.get(current.parent_id)
    return current.code if current else ""
