"""Demo province for `make run`: Thái Nguyên's four blocks with units, Định Hóa's communes, an open
period, one personal account per role, and a half-filled submission; the published year before it, the merged
province, TP Thanh Hóa's open PAR-index period, and the two seed workflows replayed from opening to
publication (``demo.hue``: seed 001, ``hue-2021-cchc``; ``demo.thanh_hoa``: seed 004, ``th-2025-cchc``).

Thái Nguyên's periods are dated from today and named for the year their dates say (issue #14, item 9): the
open ones (``demo-2025``, ``dh-2024``, ``tn-2025-hop-nhat``) evaluate the year of ``demo-2025``'s deadline
(``_evaluated_year``), the published one (``demo``) the year before, dated in that year's autumn and the next
January, so that last year's results, 8.3.x and the analysis of last year's lost points always find it. Their
codes stay as they are: tests and links name them.

Passwords are generated, printed once when the account is created, and must be changed at first
login; no shared secret exists. Running the command again changes nothing already there.
"""

import secrets
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from config.dates import VIETNAM as LOCAL
from criteria.models import Authority, Framework, Node
from criteria.selectors import scored_leaves
from criteria.tree import effective_agency
from submissions import services
from submissions.models import Block, Entry, Evidence, Period, Role, Submission, Unit, User
from submissions.phase_deadlines import APPRAISAL

BLOCKS = [
    ("so", "Khối các sở, ban, ngành", 4, "tn2024-so", [
        ("so-noi-vu", "Sở Nội vụ"), ("so-tai-chinh", "Sở Tài chính"), ("so-tu-phap", "Sở Tư pháp"),
        ("so-xay-dung", "Sở Xây dựng"), ("so-y-te", "Sở Y tế"), ("thanh-tra-tinh", "Thanh tra tỉnh"),
    ]),
    ("huyen", "Khối UBND các huyện, thành phố", 2, "tn2024-huyen", [
        ("ubnd-dinh-hoa", "UBND huyện Định Hóa"), ("ubnd-tp-thai-nguyen", "UBND thành phố Thái Nguyên"),
        ("ubnd-dai-tu", "UBND huyện Đại Từ"),
    ]),
    ("dvsn", "Khối các đơn vị sự nghiệp công lập", 1, "tn2024-dvsn", [
        ("dai-pt-th", "Đài Phát thanh - Truyền hình tỉnh"), ("cd-y-te", "Trường Cao đẳng Y tế Thái Nguyên"),
    ]),
    ("hoi", "Khối các Hội đặc thù", 1, "tn2024-hoi", [
        ("hoi-chu-thap-do", "Hội Chữ thập đỏ tỉnh Thái Nguyên"), ("hoi-nha-bao", "Hội Nhà báo tỉnh Thái Nguyên"),
    ]),
]
COMMUNES = [("xa-binh-thanh", "UBND xã Bình Thành"), ("xa-phu-dinh", "UBND xã Phú Đình")]
# username, full name, position, role, unit code or authority code
ACCOUNTS = [
    ("admin", "Quản trị hệ thống", "Quản trị viên", None, None),
    ("snv.thuongtruc", "Trần Thị Bình", "Chuyên viên Phòng CCHC, Sở Nội vụ", Role.SECRETARIAT, "tinh-thai-nguyen"),
    ("sxd.capnhat", "Nguyễn Văn An", "Chuyên viên Văn phòng Sở", Role.OFFICER, "so-xay-dung"),
    ("sxd.capnhat2", "Lê Thị Hoa", "Chuyên viên Phòng Quản lý xây dựng", Role.OFFICER, "so-xay-dung"),
    ("sxd.pheduyet", "Phạm Minh Đức", "Chánh Văn phòng Sở", Role.APPROVER, "so-xay-dung"),
    ("pnv.dinhhoa", "Hoàng Văn Sơn", "Chuyên viên Phòng Nội vụ huyện", Role.SECRETARIAT, "huyen-dinh-hoa"),
    ("binhthanh.capnhat", "Ma Thị Lan", "Công chức Văn phòng - Thống kê", Role.OFFICER, "xa-binh-thanh"),
    ("binhthanh.pheduyet", "Ma Khánh Sơn", "Chủ tịch UBND xã", Role.APPROVER, "xa-binh-thanh"),
    ("stp.pheduyet", "Vũ Thị Thu", "Chánh Văn phòng Sở Tư pháp", Role.APPROVER, "so-tu-phap"),
    ("ld.ubnd", "Đặng Xuân Trường", "Phó Chủ tịch UBND tỉnh", Role.LEADER, "tinh-thai-nguyen"),
    ("ld.ubnd2", "Nguyễn Thanh Bình", "Phó Chủ tịch UBND tỉnh", Role.LEADER, "tinh-thai-nguyen"),
    ("ct.hoidong", "Lê Quang Tiến", "Phó Chủ tịch UBND tỉnh, Chủ tịch Hội đồng thẩm định", Role.CHAIR,
     "tinh-thai-nguyen"),
    ("ct.ubnd", "Trịnh Việt Hùng", "Chủ tịch UBND tỉnh", Role.CHAIRMAN, "tinh-thai-nguyen"),
    ("stc.thamdinh", "Nguyễn Thu Hà", "Phó Giám đốc Sở Tài chính", None, None),
    ("ttt.thamdinh", "Lương Văn Tâm", "Phó Chánh Thanh tra tỉnh", None, None),
    ("snv.thamdinh", "Bùi Thị Hạnh", "Phó Giám đốc Sở Nội vụ", None, None),
    ("vp.thamdinh", "Đỗ Minh Quân", "Phó Chánh Văn phòng UBND tỉnh", None, None),
    ("stttt.thamdinh", "Hà Thị Ngọc", "Phó Giám đốc Sở Thông tin và Truyền thông", None, None),
    ("stp.thamdinh", "Đinh Văn Khải", "Phó Giám đốc Sở Tư pháp", None, None),
]
# username, agency, home unit (a member never appraises the unit they work in)
# Every appraising agency named by the four frameworks has a member, or the round could never close.
COUNCIL = [("stc.thamdinh", "Sở Tài chính", "so-tai-chinh"), ("ttt.thamdinh", "Thanh tra tỉnh", "thanh-tra-tinh"),
           ("snv.thamdinh", "Sở Nội vụ", "so-noi-vu"), ("vp.thamdinh", "Văn phòng UBND tỉnh", None),
           ("stttt.thamdinh", "Sở Thông tin và Truyền thông", None), ("stp.thamdinh", "Sở Tư pháp", "so-tu-phap")]


def _closing(days: int) -> datetime:
    day = timezone.localdate() + timedelta(days=days)
    return datetime.combine(day, time(17, 0), tzinfo=LOCAL)


def _evaluated_year(closes_at: datetime) -> int:
    """The year an open demo period evaluates, read off its closing date, so that its name follows its dates
    (issue #14, item 9): the reports of year N are sent from the autumn of N (Thái Nguyên's 2024 round closed on
    25/11/2024) to the first months of N + 1, so a round closing from July on covers its own year, one closing
    before July the year before."""
    closes = closes_at.astimezone(LOCAL)
    return closes.year if closes.month >= 7 else closes.year - 1


def _document_day(year: int) -> date:
    """The date of the demo's evidence documents of ``year``: 15/11 of that year, or today when that is still
    to come (a document is never dated after today)."""
    return min(date(year, 11, 15), timezone.localdate())


class Command(BaseCommand):
    help = "Nạp dữ liệu minh họa: khối, đơn vị, kỳ đánh giá, tài khoản theo vai trò, một báo cáo đang nhập dở."

    def account_created(self, username: str, password: str | None, who: str) -> None:
        """Prints a demo account created now with its first password, and adds it to ``DEMO_ACCOUNTS_FILE``
        (``var/demo-accounts.txt``, not committed; the README says so), so a newcomer who lost the output of
        ``make run`` still has them. An account that already existed keeps its password and its line."""
        line = f"{username:20} {password or '(SSO)':14} {who}"
        self.stdout.write(self.style.SUCCESS(line))
        path = Path(settings.DEMO_ACCOUNTS_FILE)
        path.parent.mkdir(parents=True, exist_ok=True)
        new = not path.exists()
        with path.open("a", encoding="utf-8") as accounts:
            if new:
                accounts.write("# Tài khoản minh họa do load_demo tạo và mật khẩu đầu tiên (phải đổi ở lần đăng nhập "
                               "đầu). (SSO): đăng nhập qua SSO của tỉnh.\n")
            accounts.write(line + "\n")

    @transaction.atomic
    def handle(self, *args, **options):
        if not Framework.objects.filter(code="tn2024-so").exists():
            call_command("load_frameworks", verbosity=0)
        tinh, _ = Authority.objects.get_or_create(code="tinh-thai-nguyen",
                                                  defaults={"name": "UBND tỉnh Thái Nguyên", "level": "tinh"})
        huyen, _ = Authority.objects.get_or_create(code="huyen-dinh-hoa",
                                                   defaults={"name": "UBND huyện Định Hóa", "level": "huyen"})
        if huyen.parent_id is None:
            huyen.parent = tinh
            huyen.save(update_fields=["parent"])

        frameworks = {}
        for order, (code, name, quota, framework_code, units) in enumerate(BLOCKS):
            block, _ = Block.objects.get_or_create(authority=tinh, code=code,
                                                   defaults={"name": name, "excellent_quota": quota, "ordering": order})
            frameworks[block] = Framework.objects.get(code=framework_code)
            for unit_code, unit_name in units:
                Unit.objects.get_or_create(authority=tinh, code=unit_code, defaults={"name": unit_name, "block": block})
        xa, _ = Block.objects.get_or_create(authority=huyen, code="xa", defaults={"name": "Khối UBND các xã, thị trấn"})
        for unit_code, unit_name in COMMUNES:
            Unit.objects.get_or_create(authority=huyen, code=unit_code, defaults={"name": unit_name, "block": xa})

        period = Period.objects.filter(code="demo-2025").first()
        if period is None:
            closes = _closing(5)
            year = _evaluated_year(closes)
            period = Period(authority=tinh, code="demo-2025", name=f"Đánh giá, xếp loại năm {year} (minh họa, đang "
                            "nhận báo cáo)", year=year, opens_at=timezone.now() - timedelta(days=20), closes_at=closes,
                            data_cutoff=timezone.localdate(), settings={"first_year": False})
            services.period_save(period=period, frameworks=frameworks)
        # The demo's year: every other period of it is dated from this one (the published one the year before), so
        # a database built by an earlier load_demo keeps its years when a later one adds what it lacks.
        year = period.year
        period_xa = Period.objects.filter(code="dh-2024").first()
        if period_xa is None:
            period_xa = Period(authority=huyen, code="dh-2024", name=f"Đánh giá UBND cấp xã năm {year} (minh họa)",
                               year=year, opens_at=timezone.now() - timedelta(days=20), closes_at=_closing(4),
                               data_cutoff=timezone.localdate())
            services.period_save(period=period_xa, frameworks={xa: Framework.objects.get(code="dh2024-xa")})

        for username, full_name, position, kind, scope in ACCOUNTS:
            user = User.objects.filter(username=username).first()
            if user is None:
                password = secrets.token_urlsafe(9)
                user = User(username=username, full_name=full_name, position=position,
                            email=f"{username}@example.gov.vn", must_change_password=True,
                            is_staff=username == "admin", is_superuser=username == "admin")
                user.set_password(password)
                user.save()
                what = dict(Role.KINDS).get(kind) or ("Quản trị" if username == "admin" else "Hội đồng thẩm định")
                self.account_created(username, password, f"{full_name} ({what})")
            else:
                self.stdout.write(f"{username:20} (đã có, giữ nguyên mật khẩu)")
            if kind in Role.UNIT_KINDS:
                Role.objects.get_or_create(user=user, kind=kind, unit=Unit.objects.get(code=scope))
            elif kind:
                Role.objects.get_or_create(user=user, kind=kind, authority=Authority.objects.get(code=scope))
        self._half_fill(period)
        self._council(period)
        self._published_year(tinh, frameworks, year - 1)
        _merged_province(self, tinh, year)
        _par_city(self)
        # The seeds' workflows, each from its opening to its publication (issue #13): demo/hue.py (seed 001),
        # demo/thanh_hoa.py (seed 004; after _par_city, whose city, units and accounts it uses).
        from demo import hue, thanh_hoa

        hue.load(self)
        thanh_hoa.load(self)

    def _published_year(self, tinh, frameworks, year: int) -> None:
        _published(self, tinh, frameworks, year)

    def _council(self, period: Period) -> None:
        """A sent sheet (Sở Tư pháp) and a council by agency, so the appraisal pages have work."""
        from appraisal import services as appraisal_services
        from appraisal.models import CouncilMember

        for username, agency, home in COUNCIL:
            user = User.objects.get(username=username)
            if not CouncilMember.objects.filter(period=period, user=user).exists():
                appraisal_services.member_add(period=period, user=user, agency=agency,
                                              home_unit=Unit.objects.get(code=home) if home else None)
        submission = Submission.objects.get(period=period, unit__code="so-tu-phap")
        if submission.status != Submission.DRAFT:
            return
        approver = User.objects.get(username="stp.pheduyet")
        pdf = _demo_pdf("SỞ TƯ PHÁP", period.year)
        for i, node in enumerate(scored_leaves(submission.framework)):
            value = node.max_points if i % 5 else (node.max_points * 3 / 4).quantize(Decimal("0.01"))
            services.entry_save(submission=submission, node=node, actor=approver, version=0,
                                value=str(value).replace(".", ","),
                                explanation=f"Số liệu tại Mục {i % 3 + 1} Báo cáo số {200 + i}/BC-STP.")
            if i % 3 == 0:  # evidence on criteria of every agency, so each council member has files to open
                source, _ = services.evidence_add(
                    submission=submission, node=node, actor=approver,
                    upload=services.Upload(name=f"Bao-cao-{200 + i}-BC-STP.pdf", data=pdf),
                    doc_number=f"{200 + i}/BC-STP", doc_date=_document_day(period.year), issuer="Sở Tư pháp")
            else:  # Điều 8.2.b: every criterion has evidence as well as its explanation
                _same_file(source, submission, node, f"{200 + i}/BC-STP")
        services.submission_send(submission=submission, actor=approver, proposed_grade="HTTNV",
                                 endorsed_on=timezone.localdate(), endorsement_note="Biên bản họp lãnh đạo Sở")
        self.stdout.write("Báo cáo minh họa của Sở Tư pháp: đã gửi, chờ Hội đồng thẩm định.")

    def _half_fill(self, period: Period) -> None:
        submission = Submission.objects.get(period=period, unit__code="so-xay-dung")
        if Entry.objects.filter(submission=submission).exists():
            return
        officer = User.objects.get(username="sxd.capnhat")
        leaves = scored_leaves(submission.framework)
        pdf = _demo_pdf("SỞ XÂY DỰNG", period.year)
        for i, node in enumerate(leaves[: len(leaves) // 2]):
            value = str(node.max_points if i % 3 else node.max_points / 2).replace(".", ",")
            services.entry_save(
                submission=submission, node=node, actor=officer, version=0, value=value,
                explanation=f"Năm {period.year}, Sở Xây dựng đã thực hiện đầy đủ nội dung tiêu chí {node.code}; "
                            f"số liệu tại Mục {i % 4 + 1} của Báo cáo số {100 + i}/BC-SXD.",
            )
            if i % 4 == 0:
                services.evidence_add(
                    submission=submission, node=node, actor=officer,
                    upload=services.Upload(name=f"Bao-cao-{100 + i}-BC-SXD.pdf", data=pdf),
                    doc_number=f"{100 + i}/BC-SXD", doc_date=_document_day(period.year), issuer="Sở Xây dựng",
                )
        self.stdout.write(f"Báo cáo minh họa của Sở Xây dựng: đã chấm {len(leaves) // 2}/{len(leaves)} tiêu chí.")


def _same_file(source: Evidence, submission: Submission, node: Node, number: str) -> Evidence:
    """Another evidence record of the demo on the same stored file as ``source`` (uploading and checking
    the same illustrative PDF a thousand times would only slow ``make run`` down)."""
    entry = Entry.objects.get(submission=submission, node=node)
    return Evidence.objects.create(
        entry=entry, file=source.file.name, original_name=source.original_name, size=source.size, kind=source.kind,
        mime=source.mime, doc_number=number, doc_number_normalized=number.upper(), doc_date=source.doc_date,
        issuer=str(submission.unit), signature_status=source.signature_status,
        signature_message=source.signature_message, signature_checked_at=source.signature_checked_at,
        uploaded_by=source.uploaded_by, uploaded_at=source.uploaded_at)


def _demo_pdf(issuer: str, year: int) -> bytes:
    from weasyprint import HTML

    return HTML(string=f"<h1>{issuer}</h1><p>Báo cáo kết quả thực hiện nhiệm vụ năm {year} (tài liệu minh họa, "
                       "không có chữ ký số).</p>").write_pdf()


def published_calendar(year: int) -> dict[str, datetime]:
    """When each step of the published period "demo" of ``year`` happened, in order, as Thái Nguyên's 2024 round
    was dated, moved to ``year``: opened 31/10, documents of 15/11, data to 20/11, sheets sent the day before the
    deadline of 25/11, the leaders' forms five days and the council's scores ten days after it, results released a
    month after it; in January of ``year`` + 1 the council's session (10/01) confirms the quality levels, the
    round closes and the blocks are ranked, the chair orders the ties (15/01), the ranking goes up (16/01) and is
    approved (20/01). All of it is before today when ``year`` is the year before the open period's (tested)."""
    def at(year_: int, month: int, day: int, hour: int) -> datetime:
        return datetime(year_, month, day, hour, 0, tzinfo=LOCAL)

    closes, january = at(year, 11, 25, 17), year + 1
    return {"opens": at(year, 10, 31, 8), "documents": at(year, 11, 15, 8), "data_cutoff": at(year, 11, 20, 17),
            "sent": closes - timedelta(days=1), "closes": closes, "leaders": closes + timedelta(days=5),
            "appraised": closes + timedelta(days=10), "released": closes + timedelta(days=30),
            "session": at(january, 1, 10, 9), "closed": at(january, 1, 11, 9), "ranked": at(january, 1, 12, 9),
            "ties": at(january, 1, 15, 15), "submitted": at(january, 1, 16, 9), "approved": at(january, 1, 20, 10)}


def _published(command, tinh, frameworks, year: int) -> None:
    """Period "demo" of ``year`` (the year before the open ``demo-2025``): every unit sent, appraised, section I
    from two leaders, closed, ranked, ties ordered by the chair, approved and published;
    `ranking_report --period demo` reports it, dated by ``published_calendar``."""
    import random

    from appraisal import services as appraisal_services
    from appraisal.rules import agency_matches, named_agencies
    from appraisal.selectors import quality_gaps
    from ranking import services as ranking_services
    from ranking.models import RankingVersion

    if Period.objects.filter(code="demo").exists():
        return
    when = published_calendar(year)
    period = Period(authority=tinh, code="demo", name=f"Đánh giá, xếp loại năm {year} (minh họa)", year=year,
                    opens_at=when["opens"], closes_at=when["closes"], data_cutoff=when["data_cutoff"].date())
    services.period_save(period=period, frameworks=frameworks)
    session = f"{when['session']:%d/%m/%Y}"
    rng = random.Random(2024)  # a fixed seed: the same scores and ties whatever the year
    before = when["sent"]
    members = {}
    for username, agency, home in COUNCIL:
        user = User.objects.get(username=username)
        members[agency] = appraisal_services.member_add(period=period, user=user, agency=agency,
                                                        home_unit=Unit.objects.get(code=home) if home else None)
    secretariat = User.objects.get(username="snv.thuongtruc")
    source = None  # one stored demo file, shared by the evidence records of the demo sheets
    for submission in Submission.objects.filter(period=period).select_related("unit", "framework"):
        approver, _ = User.objects.get_or_create(username=f"demo.{submission.unit.code}",
                                                 defaults={"full_name": f"Cán bộ {submission.unit.name}",
                                                           "is_active": False})
        Role.objects.get_or_create(user=approver, kind=Role.APPROVER, unit=submission.unit)
        quality = rng.choice([1.0, 0.97, 0.93, 0.88, 0.8, 0.7])
        leaves = [n for n in Node.objects.filter(framework=submission.framework).order_by("ordering") if n.rule]
        for i, node in enumerate(leaves):
            if node.is_survey:
                continue
            points = (node.max_points * Decimal(str(quality if rng.random() < 0.8 else 1))).quantize(Decimal("0.01"))
            services.entry_save(submission=submission, node=node, actor=approver, version=0,
                                value=str(points).replace(".", ","),
                                explanation=f"Số liệu tại Mục {i % 4 + 1} Báo cáo số {300 + i}/BC.", now=before)
            if source is None:
                source, _ = services.evidence_add(
                    submission=submission, node=node, actor=approver,
                    upload=services.Upload(name=f"Bao-cao-{300 + i}-BC.pdf",
                                           data=_demo_pdf(submission.unit.name, year)),
                    doc_number=f"{300 + i}/BC", doc_date=when["documents"].date(), issuer=submission.unit.name,
                    now=before)
            else:
                _same_file(source, submission, node, f"{300 + i}/BC-{submission.pk}")
        submission = services.submission_send(submission=submission, actor=approver, proposed_grade="HTTNV",
                                              endorsed_on=timezone.localdate(before), now=before)
        for node in leaves:
            if node.is_survey:
                continue
            entry = Entry.objects.get(submission=submission, node=node)
            lowered = rng.random() < 0.15
            value = (entry.points * Decimal("0.8")).quantize(Decimal("0.01")) if lowered else entry.points
            chain = {n.id: n for n in leaves} | {n.id: n for n in Node.objects.filter(framework=submission.framework)}
            seats = [m for m in members.values() if agency_matches(effective_agency(node, chain), m.keyword_list())]
            # Phụ lục I 5.5: a leaf naming several agencies is appraised by each of them (docs/regulation.md §3).
            if len(named_agencies(effective_agency(node, chain))) < 2:
                seats = seats[:1]
            for member in seats or [None]:
                appraisal_services.appraisal_save(
                    submission=submission, node=node, actor=member.user if member else secretariat, version=0,
                    value=str(value), member=member, now=when["appraised"],
                    comment="Tài liệu kiểm chứng chưa đầy đủ số liệu theo yêu cầu." if lowered else "")
        for leader in ("ld.ubnd", "ld.ubnd2"):
            answers = {n.code: rng.choice([4, 5, 5]) for n in leaves if n.is_survey}
            appraisal_services.leader_form_save(period=period, leader=User.objects.get(username=leader),
                                                unit=submission.unit, answers=answers, submit=True,
                                                now=when["leaders"])
    from ranking.services import facts_save

    basis = f"Tờ trình số 15/TTr-HĐTĐ ngày {session} của Hội đồng thẩm định"
    for unit in Unit.objects.filter(authority=tinh):
        discipline = {"so-y-te": "remedied", "ubnd-dinh-hoa": "unremedied"}.get(unit.code, "none")
        facts_save(period=period, unit=unit, actor=secretariat, outstanding=unit.code != "so-y-te",
                   discipline=discipline, corruption="none", disunity=False, subunits_disciplined_share="0",
                   evidence=basis if discipline == "none" else f"{basis}; Quyết định kỷ luật số 45/QĐ-UBND")
    # The guarded path, dated as it happened: results released to units, the council confirms every derived
    # quality level that keeps a unit from a higher grade, the round closes, then the blocks are ranked.
    appraisal_services.round_release(period=period, actor=secretariat, now=when["released"])
    for gap in quality_gaps(period, list(Submission.objects.filter(period=period).select_related("unit")),
                            {f.pk: list(f.nodes.all()) for f in set(frameworks.values())}):
        appraisal_services.quality_set(submission=gap.submission, node=gap.node, level=_derived(gap),
                                       reason="Hội đồng xác nhận mức tính từ điểm thẩm định "
                                              f"(phiên họp {session}).",
                                       actor=secretariat, now=when["session"])
    appraisal_services.round_close(period=period, actor=secretariat, now=when["closed"])
    chair = User.objects.get(username="ct.hoidong")
    chairman = User.objects.get(username="ct.ubnd")
    for block in frameworks:
        version = ranking_services.ranking_compute(period=period, block=block, actor=secretariat,
                                                   now=when["ranked"])
        if version.snapshot["ties"]:
            ranking_services.chair_decide(version=version, orders=version.snapshot["ties"],
                                          note="Theo kết quả biểu quyết của Hội đồng thẩm định ngày "
                                               f"{when['ties']:%d/%m/%Y}", actor=chair, now=when["ties"])
        version = RankingVersion.objects.get(pk=version.pk)
        ranking_services.ranking_submit(version=version, actor=secretariat,
                                        now=when["submitted"])
        ranking_services.ranking_approve(version=version, actor=chairman, decision_number="125/QĐ-UBND",
                                         decision_date=when["approved"].date(), now=when["approved"])
    command.stdout.write(f"Kỳ “demo” ({year}): đã thẩm định, xếp loại và công bố; "
                         "python manage.py ranking_report --period demo --signed --out phu-luc.pdf")


def _derived(gap) -> str:
    """The level a quality gap names (the one the council confirms)."""
    from appraisal.selectors import quality_rows

    return next(q.derived for q in quality_rows(gap.submission) if q.node.pk == gap.node.pk)


# --------------------------------------------------------------------------- 2025: the merged province (issue #12, 5)
# Since 1/7/2025 Thái Nguyên includes the former Bắc Kạn and ranks its sở and its communes/wards directly. The same
# authority continues (the periods "demo" and "dh-2024" keep their own organisation: their membership record).
# Every name marked "(minh họa)" is demo data; the frameworks and the reorganisation come from the Excel files of
# fixtures/demo/, imported through the product's own imports like an administrator and the secretariat would.
PERIOD_2025 = "tn-2025-hop-nhat"
MERGED_ON = date(2025, 7, 1)
# block code, name, default quota (Điều 7.1.a), framework code (= file fixtures/demo/<code>.xlsx), new units
BLOCKS_2025 = [
    ("so-2025", "Khối các sở, ban, ngành (từ 01/7/2025)", 2, "tn2025-so-demo", [
        ("so-nn-mt", "Sở Nông nghiệp và Môi trường (minh họa, hợp nhất với Bắc Kạn)"),
        ("so-vh-tt-dl", "Sở Văn hóa, Thể thao và Du lịch (minh họa, hợp nhất với Bắc Kạn)"),
    ]),
    ("xa-phuong", "Khối UBND xã, phường (từ 01/7/2025)", 1, "tn2025-xa-demo", [
        ("phuong-bac-kan", "UBND phường Bắc Kạn (minh họa)"), ("xa-cho-don", "UBND xã Chợ Đồn (minh họa)"),
    ]),
]
# Two rounds of reorganisation (one file each, in order: a chain needs two files), skipped once their new unit
# exists: Bình Thành + Phú Đình of Định Hóa → xã Định Hóa Mới (hợp nhất, 1/7/2025) → xã Định Hóa (đổi tên).
REORGANISATIONS_2025 = [("tn2025-sap-xep-1-hop-nhat-demo.xlsx", "xa-dinh-hoa-moi"),
                        ("tn2025-sap-xep-2-doi-ten-demo.xlsx", "xa-dinh-hoa")]


def _merged_province(command, tinh, year: int) -> None:
    """Period ``tn-2025-hop-nhat`` (open, of the demo's ``year``): a block of sở (the existing ones and two demo
    sở of the merger) and a block of communes/wards ranked by the province, on 2025 demo frameworks imported from
    Excel; the communes of Định Hóa continue, through two recorded reorganisations, as one commune of the
    province. The present organisation changes (the sở move to the new block, the old communes stop); the
    published period "demo" keeps its own."""

    from criteria.spreadsheet import framework_import_xlsx

    files = settings.BASE_DIR / "fixtures" / "demo"
    frameworks, quotas = {}, {}
    for order, (code, name, quota, framework_code, units) in enumerate(BLOCKS_2025, start=len(BLOCKS)):
        block, _ = Block.objects.get_or_create(authority=tinh, code=code,
                                               defaults={"name": name, "excellent_quota": quota, "ordering": order})
        framework, status = framework_import_xlsx(data=(files / f"{framework_code}.xlsx").read_bytes())
        if status != "unchanged":
            command.stdout.write(f"{framework.code}: nhập từ fixtures/demo/{framework_code}.xlsx ({status})")
        frameworks[block], quotas[block] = framework, quota
        for unit_code, unit_name in units:
            if not Unit.objects.filter(authority=tinh, code=unit_code).exists():
                services.unit_create(unit=Unit(authority=tinh, block=block, code=unit_code, name=unit_name,
                                               established_on=MERGED_ON))
    so_2025 = next(b for b in frameworks if b.code == "so-2025")
    # The present organisation: the existing sở now sit in the 2025 block. Their sheets of "demo" keep the block
    # they took part in (Submission.block), so the published ranking does not change.
    Unit.objects.filter(authority=tinh, block__code="so", code__in=[c for c, _ in BLOCKS[0][4]]).update(block=so_2025)
    # Districts are gone since 1/7/2025 (no successor: their communes answer to the province).
    Unit.objects.filter(authority=tinh, block__code="huyen", ended_on__isnull=True).update(ended_on=MERGED_ON,
                                                                                            active=False)
    secretariat = User.objects.get(username="snv.thuongtruc")
    for filename, new_code in REORGANISATIONS_2025:
        if not Unit.objects.filter(authority=tinh, code=new_code).exists():
            plan = services.reorganisation_import(authority=tinh, data=(files / filename).read_bytes(),
                                                  actor=secretariat)
            command.stdout.write(f"Lịch sử tổ chức (fixtures/demo/{filename}): "
                                 + "; ".join(f"{e.predecessor.name} → {e.successor.name} ({e.kind_label})"
                                             for e in plan.edges))
    if not Period.objects.filter(code=PERIOD_2025).exists():
        period = Period(authority=tinh, code=PERIOD_2025,
                        name=f"Đánh giá năm {year} — tỉnh Thái Nguyên sau hợp nhất (minh họa)", year=year,
                        opens_at=timezone.now() - timedelta(days=20), closes_at=_closing(6),
                        data_cutoff=timezone.localdate(), settings={"first_year": False})
        services.period_save(period=period, frameworks=frameworks, quotas=quotas)
        command.stdout.write(f"Kỳ “{PERIOD_2025}” ({year}, tỉnh sau hợp nhất): "
                             f"{Submission.objects.filter(period=period).count()} đơn vị, đang nhận báo cáo.")


# --------------------------------------------------------------------------- PAR index of TP Thanh Hóa (issue #13, 6)
# Seed 004: TP Thanh Hóa ranks its departments and its communes/wards by a PAR index (Chỉ số CCHC, rank only).
# The framework (fixtures/demo/th2025-cchc-demo.yaml) takes the 7 areas of the template "Báo cáo tự đánh giá"
# (14 + 7 + 15,5 + 9 + 13 + 10 + 13,5 = 82) as the self-assessed sections of TDG, and a survey part XHH (18) whose
# paper-form tallies the secretariat enters. The communes send on paper (seed 004 §2.2), by their own earlier
# deadline (communes 05/12, departments 15/12). Every name marked "(minh họa)" is demo data.
PAR_PERIOD = "th-2026-cchc"
PAR_FRAMEWORK = "th2025-cchc-demo"
PAR_BLOCKS = [
    ("phong", "Khối các phòng chuyên môn", [
        ("th-phong-noi-vu", "Phòng Nội vụ (minh họa)"), ("th-phong-tu-phap", "Phòng Tư pháp (minh họa)"),
        ("th-phong-tc-kh", "Phòng Tài chính - Kế hoạch (minh họa)"),
    ]),
    ("xa-phuong", "Khối UBND xã, phường", [
        ("th-phuong-dong-son", "UBND phường Đông Sơn (minh họa)"), ("th-xa-thieu-van", "UBND xã Thiệu Vân (minh họa)"),
        ("th-xa-hoang-quang", "UBND xã Hoằng Quang (minh họa)"),
    ]),
]
PAR_ACCOUNTS = [
    ("pnv.thanhhoa", "Lê Thị Mai", "Chuyên viên Phòng Nội vụ thành phố (minh họa)", Role.SECRETARIAT, "tp-thanh-hoa"),
    ("pnv.thanhhoa.pheduyet", "Nguyễn Văn Hải", "Trưởng phòng Nội vụ (minh họa)", Role.APPROVER, "th-phong-noi-vu"),
]


def _par_city(command) -> None:
    """Period ``th-2026-cchc`` (rank only, open) of UBND thành phố Thanh Hóa: a block of departments that
    self-assess on the software (Phòng Nội vụ's sheet filled, so its report prints seed 004's table) and a
    block of communes on paper. Skipped, step by step, where already there."""
    from django.conf import settings

    from appraisal.models import PaperBlock
    from appraisal.paper import paper_block_set
    from submissions.models import PeriodBlock

    if not Framework.objects.filter(code=PAR_FRAMEWORK).exists():
        call_command("load_frameworks", str(settings.BASE_DIR / "fixtures" / "demo" / f"{PAR_FRAMEWORK}.yaml"),
                     verbosity=0)
    framework = Framework.objects.get(code=PAR_FRAMEWORK)
    city = framework.authority
    blocks = {}
    for order, (code, name, units) in enumerate(PAR_BLOCKS):
        block, _ = Block.objects.get_or_create(authority=city, code=code,
                                               defaults={"name": name, "ordering": order})  # rank only: no HTXSNV quota
        blocks[code] = block
        for unit_code, unit_name in units:
            Unit.objects.get_or_create(authority=city, code=unit_code, defaults={"name": unit_name, "block": block})
    for username, full_name, position, kind, scope in PAR_ACCOUNTS:
        user = User.objects.filter(username=username).first()
        if user is None:
            password = secrets.token_urlsafe(9)
            user = User(username=username, full_name=full_name, position=position,
                        email=f"{username}@example.gov.vn", must_change_password=True)
            user.set_password(password)
            user.save()
            command.account_created(username, password, f"{full_name} ({dict(Role.KINDS)[kind]})")
        if kind in Role.UNIT_KINDS:
            Role.objects.get_or_create(user=user, kind=kind, unit=Unit.objects.get(authority=city, code=scope))
        else:
            Role.objects.get_or_create(user=user, kind=kind, authority=city)
    period = Period.objects.filter(code=PAR_PERIOD).first()
    if period is None:
        # Year 2026 whatever today is: the year after seed 004's published 2025 index (demo/thanh_hoa.py), whose
        # analysis of lost points its council reads (8.3.x); not one of Thái Nguyên's periods dated from today.
        period = Period(authority=city, code=PAR_PERIOD, kind=Period.RANK_ONLY,
                        name="Chỉ số CCHC năm 2026 — TP Thanh Hóa (minh họa)", year=2026,
                        opens_at=timezone.now() - timedelta(days=20), closes_at=_closing(8),
                        data_cutoff=timezone.localdate())
        services.period_save(period=period, frameworks={b: framework for b in blocks.values()},
                             deadlines={blocks["xa-phuong"]: _closing(3)},  # the communes send first (seed 004)
                             phase_deadlines={b: {APPRAISAL: _closing(13)} for b in blocks.values()})
        command.stdout.write(f"Kỳ “{PAR_PERIOD}” (Chỉ số CCHC, chỉ xếp hạng): khối phòng chuyên môn nhập trên phần "
                             "mềm, khối xã, phường nộp hồ sơ giấy.")
    communes = PeriodBlock.objects.get(period=period, block=blocks["xa-phuong"])
    if not PaperBlock.objects.filter(period_block=communes).exists():
        paper_block_set(period_block=communes, enabled=True, actor=User.objects.get(username="pnv.thanhhoa"),
                        note="Kế hoạch cải cách hành chính năm 2025 của UBND thành phố (minh họa)")
    submission = Submission.objects.get(period=period, unit__code="th-phong-noi-vu")
    if Entry.objects.filter(submission=submission).exists():
        return
    approver = User.objects.get(username="pnv.thanhhoa.pheduyet")
    leaves = scored_leaves(framework)
    for i, node in enumerate(leaves):
        value = node.max_points if i % 4 else node.max_points / 2
        services.entry_save(submission=submission, node=node, actor=approver, version=0,
                            value=str(value).replace(".", ","),
                            explanation=f"Số liệu tại Mục {i % 3 + 1} Báo cáo số {40 + i}/BC-PNV (minh họa).")
