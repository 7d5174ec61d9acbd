"""Điều 8.2.b and 9.4.đ: in a grading period a criterion needs both evidence and an explanation, to be
complete before sending and to be appraised; in a PAR-index period (seeds 001, 004) an explanation may
stand in for evidence. The period setting ``support_rule`` decides; sending, the review page and the
council's automatic proposal follow it. Seed 001: the maximum on a criterion backed only by scans needs a
recorded reason."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from appraisal import services as appraisal_services
from appraisal.rules import NO_EVIDENCE
from submissions import services
from submissions.models import Period, Submission
from tests.factories import attach_evidence, leaf
from tests.submissions.test_send import fill

pytestmark = pytest.mark.django_db


def use_rule(world, rule):
    Period.objects.filter(pk=world.period.pk).update(settings={**world.period.settings, "support_rule": rule})
    world.period.refresh_from_db()
    world.sub_a = Submission.objects.get(pk=world.sub_a.pk)


def send(world):
    return services.submission_send(submission=world.sub_a, actor=world.approver_a, proposed_grade="HTTNV",
                                    endorsed_on=timezone.localdate())


def test_dieu_8_2_b_sending_needs_evidence_and_explanation_on_every_criterion(world):
    fill(world, evidence=False)
    with pytest.raises(ValidationError) as refused:
        send(world)
    text = " ".join(refused.value.messages)
    assert "tiêu chí chưa có đủ tài liệu kiểm chứng và giải trình (Điều 8.2.b): 2.1 (thiếu tài liệu kiểm chứng)" \
        in text
    assert Submission.objects.get(pk=world.sub_a.pk).status == Submission.DRAFT


def test_dieu_8_2_b_an_explanation_is_needed_even_with_evidence(world):
    leaves = fill(world, explain=False)
    with pytest.raises(ValidationError) as refused:
        send(world)
    assert f"{leaves[0].code} (thiếu giải trình)" in " ".join(refused.value.messages)


def test_par_index_period_an_explanation_stands_in_for_evidence(world):
    use_rule(world, "either")
    fill(world, evidence=False)
    assert send(world).status == Submission.SENT


def test_dieu_8_2_b_the_review_page_names_what_each_criterion_lacks(world, client_for):
    fill(world, evidence=False)
    page = client_for(world.approver_a).get(reverse("submissions:review", args=[world.sub_a.pk])).content.decode()
    assert "2.1 (thiếu tài liệu kiểm chứng)" in page


def test_dieu_9_4_d_the_councils_proposal_follows_the_support_rule(world):
    use_rule(world, "either")
    fill(world, evidence=False)
    sent = send(world)
    node = leaf(sent, "2.1")
    assert appraisal_services.proposal_for(sent, node) is None
    use_rule(world, "both")  # the round has not closed: the reading may still change
    proposal = appraisal_services.proposal_for(Submission.objects.get(pk=sent.pk), node)
    assert proposal.code == NO_EVIDENCE and proposal.points == 0
    assert proposal.reason == "Không có tài liệu kiểm chứng: không đủ điều kiện thẩm định, chấm 0 điểm."


def test_seed_001_the_maximum_on_scans_only_needs_a_reason(world):
    fill(world, evidence=False)
    for node in (leaf(world.sub_a, code) for code in ("2.1", "2.2")):
        attach_evidence(world.sub_a, node, world.officer_a, status="unsigned")
    for node in [n for n in world.sub_a.framework.nodes.all() if n.rule and n.rule["kind"] != "survey"
                 and n.code not in ("2.1", "2.2")]:
        attach_evidence(world.sub_a, node, world.officer_a)
    sent = send(world)
    node = leaf(sent, "2.1")
    with pytest.raises(ValidationError) as refused:
        appraisal_services.appraisal_save(submission=sent, node=node, actor=world.secretariat, version=0,
                                          value=str(node.max_points).replace(".", ","))
    assert "chỉ là bản chụp" in refused.value.messages[0] and refused.value.code == "comment"
    saved = appraisal_services.appraisal_save(submission=sent, node=node, actor=world.secretariat, version=0,
                                              value=str(node.max_points), comment="Bản chụp có dấu đỏ, Hội đồng "
                                              "đối chiếu bản gốc")
    assert saved.points == node.max_points and saved.comment.startswith("Bản chụp")
    below = appraisal_services.appraisal_save(submission=sent, node=leaf(sent, "2.2"), actor=world.secretariat,
                                              version=0, value="0,5", comment="Chỉ có bản chụp")
    assert below.points == Decimal("0.5")
