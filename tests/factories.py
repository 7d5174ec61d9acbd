import factory

from submissions.models import User

PASSWORD = "Mat-khau-thu-nghiem-2024"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Faker("name", locale="vi_VN")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.gov.vn")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


# --------------------------------------------------------------------------- the named actors


def make_world(*, closes_in_days: int = 5, framework_code: str = "tn2024-so", password: bool = False):
    """Two units of one block in an open period, with healthchecks-style named actors:

    officer_a / approver_a (unit A), officer_b / approver_b (unit B), secretariat (of the authority),
    outsider (a logged-in person with no role). Returns a namespace.
    """
    from datetime import timedelta
    from types import SimpleNamespace

    from django.utils import timezone

    from criteria.models import Authority, Framework
    from submissions import services
    from submissions.models import Block, Period, Role, Submission, Unit

    authority, _ = Authority.objects.get_or_create(code="tinh-thai-nguyen",
                                                   defaults={"name": "UBND tỉnh Thái Nguyên", "level": "tinh"})
    block = Block.objects.create(authority=authority, code="so", name="Khối các sở, ban, ngành", excellent_quota=4)
    unit_a = Unit.objects.create(authority=authority, block=block, code="so-xay-dung", name="Sở Xây dựng")
    unit_b = Unit.objects.create(authority=authority, block=block, code="so-y-te", name="Sở Y tế")
    now = timezone.now()
    period = Period(authority=authority, code="tn-test", name="Kỳ thử nghiệm 2024", year=2024,
                    opens_at=now - timedelta(days=10), closes_at=now + timedelta(days=closes_in_days))
    services.period_save(period=period, frameworks={block: Framework.objects.get(code=framework_code)})
    actors = {
        "officer_a": (Role.OFFICER, unit_a, None), "approver_a": (Role.APPROVER, unit_a, None),
        "officer_b": (Role.OFFICER, unit_b, None), "approver_b": (Role.APPROVER, unit_b, None),
        "secretariat": (Role.SECRETARIAT, None, authority), "outsider": (None, None, None),
    }
    world = SimpleNamespace(authority=authority, block=block, unit_a=unit_a, unit_b=unit_b, period=period)
    for name, (kind, unit, auth) in actors.items():
        user = UserFactory(username=name.replace("_", "."), full_name=name.replace("_", " ").title())
        if kind:
            Role.objects.create(user=user, kind=kind, unit=unit, authority=auth)
        setattr(world, name, user)
    world.sub_a = Submission.objects.get(period=period, unit=unit_a)
    world.sub_b = Submission.objects.get(period=period, unit=unit_b)
    return world


def leaf(submission, code: str):
    from criteria.models import Node

    return Node.objects.get(framework=submission.framework, code=code)


def mini_framework(code: str = "thu-nghiem"):
    """A 10-point framework with one leaf of each rule kind, for flows that must fill every criterion."""
    from criteria.services import FrameworkMeta, framework_save
    from criteria.tree import NodeSpec

    meta = FrameworkMeta(code=code, name="Bộ tiêu chí thử nghiệm", authority_code="tinh-thai-nguyen",
                         authority_name="UBND tỉnh Thái Nguyên", authority_level="tinh", year=2024,
                         target_group="Sở, ban, ngành", issuing_decision="Thử nghiệm", total_points=10)
    levels = {"kind": "levels", "levels": [{"label": "Ban hành đầy đủ", "points": "2"},
                                           {"label": "Ban hành không đầy đủ", "points": "0"}]}
    specs = [
        NodeSpec("ND1", None, "content", "XÂY DỰNG TỔ CHỨC", "10"),
        NodeSpec("I", "ND1", "section", "Năng lực lãnh đạo và kết quả", "10"),
        NodeSpec("1.1", "I", "criterion", "Đổi mới sáng tạo", "4", rule={"kind": "survey"}),
        NodeSpec("1.2", "I", "criterion", "Ban hành văn bản chỉ đạo", "2", rule=levels),
        NodeSpec("1.3", "I", "criterion", "Hoàn thành kế hoạch", "2",
                 rule={"kind": "percent", "threshold": "80", "measure": "Tỷ lệ % thực hiện kế hoạch"}),
        NodeSpec("1.4", "I", "criterion", "Công tác văn thư", "2", rule={"kind": "manual"}),
    ]
    framework, _ = framework_save(meta=meta, specs=specs)
    return framework


def pass_deadline(period, *, minutes: int = 1):
    """The deadline passes: ``closes_at`` moves into the past (what the browser test does as well)."""
    from datetime import timedelta

    from django.utils import timezone

    from submissions.models import Period

    Period.objects.filter(pk=period.pk).update(closes_at=timezone.now() - timedelta(minutes=minutes))
    period.refresh_from_db()
    return period


def staff_council(period):
    """A council member for every appraising agency of the period's frameworks that has none yet."""
    from appraisal.selectors import agencies_without_member
    from appraisal.services import member_add

    for i, gap in enumerate(agencies_without_member(period)):
        member_add(period=period, user=UserFactory(username=f"tv-{period.pk}-{i}"), agency=gap.agency,
                   keywords=gap.agency)


def close_round(period, actor):
    """After the deadline, with a full council: release the results to units, then close the round."""
    from appraisal import services

    pass_deadline(period)
    staff_council(period)
    services.round_release(period=period, actor=actor)
    return services.round_close(period=period, actor=actor)


def period_form_data(**fields) -> dict:
    """What the period form posts when each reading of the regulation keeps its default; ``fields`` override
    (None drops a field: an unticked box)."""
    from submissions import period_settings

    data = {"excellent_threshold": "0,9", "good_threshold": "0,7", "fair_threshold": "0,5"}
    for setting in period_settings.SETTINGS:
        default = setting.default_for(fields.get("kind", "grading"))
        if setting.kind != "bool":
            data[setting.key] = str(default)
        elif default:
            data[setting.key] = "on"
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


def attach_evidence(submission, node, actor, *, number: str = "", status: str = "signed_valid"):
    """An evidence record on the entry of ``node`` (the entry must exist), as a sheet that meets Điều 8.2.b
    has: every appraised leaf backed by evidence and an explanation. The file is not stored (no test that
    uses this opens it); tests of uploads go through ``submissions.services.evidence_add``."""
    from datetime import date

    from submissions.models import Entry, Evidence

    entry = Entry.objects.get(submission=submission, node=node)
    number = number or f"{entry.pk}/BC-TN"
    return Evidence.objects.create(
        entry=entry, file=f"evidence/test-{entry.pk}.pdf", original_name=f"bao-cao-{entry.pk}.pdf", size=1000,
        kind="pdf", mime="application/pdf", doc_number=number, doc_number_normalized=number.upper(),
        doc_date=date(2024, 11, 15), issuer=str(submission.unit), signature_status=status, uploaded_by=actor)
