from types import SimpleNamespace

import pytest
from django.utils import timezone

from appraisal import services
from criteria.models import Framework, Node
from submissions import services as submission_services
from submissions.models import Block, PeriodBlock, Role, Submission, Unit
from tests.factories import UserFactory, attach_evidence, make_world


def fill_and_send(world, submission, approver):
    leaves = [n for n in Node.objects.filter(framework=submission.framework).order_by("ordering")
              if n.rule and n.rule["kind"] != "survey"]
    for node in leaves:
        kind = node.rule["kind"]
        value = "0" if kind == "levels" else "100" if kind == "percent" else str(node.max_points)
        submission_services.entry_save(submission=submission, node=node, actor=approver, version=0,
                                       value=value, explanation="Tại Mục 1 Báo cáo 9/BC")
        attach_evidence(submission, node, approver)
    return submission_services.submission_send(submission=submission, actor=approver, proposed_grade="HTTNV",
                                               endorsed_on=timezone.localdate())


@pytest.fixture
def council(db):
    """make_world + both units' sheets sent, and a council: Sở Tài chính, Thanh tra tỉnh (who works in
    unit B), a leader, and a member of another period."""
    w = make_world()
    w.sub_a = fill_and_send(w, w.sub_a, w.approver_a)
    w.sub_b = fill_and_send(w, w.sub_b, w.approver_b)
    people = SimpleNamespace()
    people.stc = UserFactory(username="stc.thamdinh", full_name="Thành viên Sở Tài chính")
    people.ttt = UserFactory(username="ttt.thamdinh", full_name="Thành viên Thanh tra tỉnh")
    people.leader = UserFactory(username="lanhdao.1", full_name="Lãnh đạo UBND tỉnh 1")
    people.leader2 = UserFactory(username="lanhdao.2", full_name="Lãnh đạo UBND tỉnh 2")
    w.m_stc = services.member_add(period=w.period, user=people.stc, agency="Sở Tài chính")
    w.m_ttt = services.member_add(period=w.period, user=people.ttt, agency="Thanh tra tỉnh", home_unit=w.unit_b)
    for leader in (people.leader, people.leader2):
        Role.objects.create(user=leader, kind=Role.LEADER, authority=w.authority)
    w.people = people
    return w


@pytest.fixture
def paper_world(db, settings, tmp_path):
    """make_world + a block of communes (dh2024-xa) in the same period, its officer and approver, and the
    appraisal team: a member of the period's council (Phòng Nội vụ), one who works in the commune, and a
    member of another period."""
    settings.MEDIA_ROOT = tmp_path / "media"
    w = make_world()
    w.communes = Block.objects.create(authority=w.authority, code="xa", name="Khối UBND cấp xã")
    w.commune = Unit.objects.create(authority=w.authority, block=w.communes, code="xa-binh-thanh",
                                    name="UBND xã Bình Thành")
    submission_services.period_save(period=w.period,
                                    frameworks={w.block: Framework.objects.get(code="tn2024-so"),
                                                w.communes: Framework.objects.get(code="dh2024-xa")})
    w.pb = PeriodBlock.objects.get(period=w.period, block=w.communes)
    w.sub_c = Submission.objects.get(period=w.period, unit=w.commune)
    w.officer_c = UserFactory(username="binhthanh.capnhat")
    w.approver_c = UserFactory(username="binhthanh.pheduyet")
    Role.objects.create(user=w.officer_c, kind=Role.OFFICER, unit=w.commune)
    Role.objects.create(user=w.approver_c, kind=Role.APPROVER, unit=w.commune)
    w.team = UserFactory(username="pnv.thamdinh", full_name="Trần Thị Tổ Thẩm Định")
    w.member = services.member_add(period=w.period, user=w.team, agency="Phòng Nội vụ")
    w.local_member_user = UserFactory(username="xa.thamdinh")
    services.member_add(period=w.period, user=w.local_member_user, agency="Văn phòng", home_unit=w.commune)
    return w
