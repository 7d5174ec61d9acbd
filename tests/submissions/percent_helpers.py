"""Shared by the tests of issue 11 items 3 and 4 (test_percent_outcomes.py, test_typed_inputs.py): the form
controls of an htmx fragment, saving a criterion as the unit or the council, a dh2024-xa sheet sent to a council."""

from datetime import date
from html.parser import HTMLParser

from django.urls import reverse
from django.utils import timezone

from appraisal import services as appraisal_services
from appraisal.models import Appraisal
from criteria.models import Node
from submissions import services
from submissions.models import Entry, Evidence
from tests.factories import UserFactory, leaf


class Inputs(HTMLParser):
    """The form controls of a fragment: (tag, attributes) in document order, textarea text included."""

    def __init__(self, html: str):
        super().__init__()
        self.controls: list[dict] = []
        self._textarea = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag in ("input", "textarea"):
            control = {"tag": tag, **{k: (v if v is not None else "") for k, v in attrs}}
            self.controls.append(control)
            if tag == "textarea":
                control["value"], self._textarea = "", control

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea["value"] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None

    def named(self, name: str) -> list[dict]:
        return [c for c in self.controls if c.get("name") == name]

    def invalid(self) -> set[str]:
        return {c["name"] for c in self.controls if "is-invalid" in c.get("class", "").split()}


def save(world, code, **typed):
    node = leaf(world.sub_a, code)
    entry = Entry.objects.filter(submission=world.sub_a, node=node).first()
    return services.entry_save(submission=world.sub_a, node=node, actor=world.officer_a,
                               version=entry.version if entry else 0, **typed)


def post(client, world, code, **data):
    node = leaf(world.sub_a, code)
    entry = Entry.objects.filter(submission=world.sub_a, node=node).first()
    return client.post(reverse("submissions:entry_save", args=[world.sub_a.pk, node.pk]),
                       {"version": str(entry.version if entry else 0), **data}, HTTP_HX_REQUEST="true")


def send_to_council(xa):
    """dh2024-xa sheet sent (7.3 by its percentage, 5.5.3.4 from 99 % with no overdue file; every leaf with an
    explanation and a document), and the members of
    Phòng Tài chính - Kế hoạch (7.3) and Văn phòng HĐND và UBND huyện (5.5.3.4)."""
    for node in Node.objects.filter(framework=xa.sub_a.framework).order_by("ordering"):
        if not node.rule or node.rule["kind"] == "survey":
            continue
        kind = node.rule["kind"]
        typed = {"value": "0"} if kind == "levels" else {"value": "100"} if kind == "percent" else {
            "value": str(node.max_points)}
        if node.code == "5.5.3.4":
            typed = {"value": "1", "count": "0"}
        entry = services.entry_save(submission=xa.sub_a, node=node, actor=xa.approver_a, version=0,
                                    explanation="Tại Mục 1 Báo cáo 9/BC", **typed)
        Evidence.objects.create(entry=entry, file="evidence/bc.pdf", original_name="bc.pdf", size=1, sha256="0" * 64,
                                kind="pdf", mime="application/pdf", doc_number="9/BC-UBND",
                                doc_number_normalized="9/BC-UBND", doc_date=date(2024, 11, 1), issuer="UBND xã",
                                uploaded_by=xa.approver_a)
    xa.sub_a = services.submission_send(submission=xa.sub_a, actor=xa.approver_a, proposed_grade="HTTNV",
                                        endorsed_on=timezone.localdate())
    xa.m_tckh = appraisal_services.member_add(period=xa.period, user=UserFactory(username="pk.tckh"),
                                              agency="Phòng Tài chính - Kế hoạch")
    xa.m_vp = appraisal_services.member_add(period=xa.period, user=UserFactory(username="vp.huyen"),
                                            agency="Văn phòng HĐND và UBND huyện")
    return xa


def appraise(world, member, code, **typed):
    node = leaf(world.sub_a, code)
    found = Appraisal.objects.filter(submission=world.sub_a, node=node).first()
    return appraisal_services.appraisal_save(submission=world.sub_a, node=node, actor=member.user,
                                             version=found.version if found else 0, **typed)
