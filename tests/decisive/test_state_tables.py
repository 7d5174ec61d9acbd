"""Issue #10, part 2: the transition tables, tested over every state × action × role against the policy
written out here by hand (a second statement of it, not a copy of the tables)."""

import itertools

import pytest

from appraisal.states import ROUND
from ranking.states import REPORT_JOB, VERSION
from submissions.states import SUBMISSION
from submissions.transitions import ROLE_LABELS

# (table kind, from state, action, role): every allowed step, and only those.
ALLOWED = {
    ("submission", "draft", "send", "approver"),
    ("submission", "sent", "withdraw", "approver"),
    ("submission", "draft", "lock", "system"),
    ("submission", "draft", "paper_send", "member"),  # a paper dossier on time, entered by the team
    ("submission", "locked", "paper_send", "member"),
    ("appraisal_round", "open", "release", "secretariat"),
    ("appraisal_round", "released", "close", "secretariat"),
    ("ranking_version", "", "compute", "secretariat"),
    ("ranking_version", "draft", "compute", "secretariat"),
    ("ranking_version", "draft", "chair_order", "chair"),
    ("ranking_version", "draft", "submit", "secretariat"),
    ("ranking_version", "submitted", "return", "chairman"),
    ("ranking_version", "submitted", "approve", "chairman"),
    ("ranking_version", "published", "revoke", "chairman"),
    ("ranking_version", "", "rerank_publish", "chairman"),
    ("ranking_version", "", "rerank_submit", "chairman"),
    ("ranking_version", "", "rerank_draft", "chairman"),
    ("report_job", "queued", "start", "system"),
    ("report_job", "running", "start", "system"),
    ("report_job", "failed", "start", "system"),
    ("report_job", "running", "finish", "system"),
    ("report_job", "queued", "fail", "system"),
    ("report_job", "running", "fail", "system"),
}
TABLES = [SUBMISSION, ROUND, VERSION, REPORT_JOB]
CASES = [(t, state, action, role) for t in TABLES
         for state, action, role in itertools.product(t.labels, t.actions, ROLE_LABELS)]


@pytest.mark.parametrize("table, state, action, role", CASES,
                         ids=[f"{t.kind}-{s or 'new'}-{a}-{r}" for t, s, a, r in CASES])
def test_every_state_action_role(table, state, action, role):
    allowed = (table.kind, state, action, role) in ALLOWED
    assert table.allows(state, action, {role}) is allowed
    refusal = table.refusal(state, action, {role})
    if allowed:
        assert refusal is None
    else:
        kind, message = refusal
        assert message and message[0].isupper()  # a Vietnamese sentence, shown as is
        assert kind == ("state" if (table.kind, action, role) in {(k, a, r) for k, _, a, r in ALLOWED} else "role")


def test_offered_is_what_the_table_allows():
    assert SUBMISSION.offered("draft", {"approver"}) == {"send"}
    assert SUBMISSION.offered("draft", {"officer"}) == set()
    assert VERSION.offered("draft", {"secretariat", "chair"}) == {"compute", "chair_order", "submit"}
    assert VERSION.offered("published", {"secretariat", "chair"}) == set()
    assert ROUND.offered("closed", {"secretariat"}) == set()


def test_every_policy_row_names_a_real_step():
    by_kind = {t.kind: t for t in TABLES}
    for kind, state, action, role in ALLOWED:
        assert state in by_kind[kind].labels and action in by_kind[kind].actions and role in ROLE_LABELS


def test_refusals_name_the_state_and_the_role():
    assert ROUND.refusal("closed", "close", {"secretariat"}) == (
        "state", "Không kết thúc đợt thẩm định được khi đang ở trạng thái “Đã kết thúc thẩm định”.")
    kind, message = VERSION.refusal("submitted", "approve", {"secretariat"})
    assert kind == "role" and message == "Chỉ Chủ tịch UBND được phê duyệt và công bố kết quả."
