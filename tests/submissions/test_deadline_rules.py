"""The deadline and window rule (pure), with the clock moved around the close."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from submissions.rules import EVIDENCE, EXPLANATION, SCORE, SEND, WindowSpan, cites_evidence, edit_decision

VN = ZoneInfo("Asia/Ho_Chi_Minh")
OPENS = datetime(2024, 10, 31, 8, 0, tzinfo=VN)
CLOSES = datetime(2024, 11, 25, 17, 0, tzinfo=VN)


def decide(now, what=SCORE, status="draft", windows=(), code="2.1"):
    return edit_decision(now=now, opens_at=OPENS, closes_at=CLOSES, status=status, what=what, node_code=code,
                         windows=windows)


@pytest.mark.parametrize("what", [SCORE, EXPLANATION, EVIDENCE, SEND])
def test_before_the_close_everything_is_accepted(what):
    assert decide(CLOSES - timedelta(seconds=1), what).allowed


@pytest.mark.parametrize("delta", [timedelta(0), timedelta(microseconds=1), timedelta(days=3)])
@pytest.mark.parametrize("what", [SCORE, EXPLANATION, EVIDENCE, SEND])
def test_at_and_after_the_close_nothing_is_accepted_and_the_deadline_is_stated(delta, what):
    decision = decide(CLOSES + delta, what)
    assert not decision.allowed
    assert decision.message == "Đã hết hạn gửi báo cáo lúc 17:00 ngày 25/11/2024; hệ thống không nhận thay đổi."


def test_deadline_is_local_time_whatever_the_clock_zone():
    utc_just_before = datetime(2024, 11, 25, 9, 59, 59, tzinfo=ZoneInfo("UTC"))
    assert decide(utc_just_before).allowed
    assert not decide(utc_just_before + timedelta(seconds=1)).allowed


def test_before_opening_is_refused():
    decision = decide(OPENS - timedelta(minutes=1))
    assert not decision.allowed and "chưa mở" in decision.message and "08:00 ngày 31/10/2024" in decision.message


def test_sent_submission_is_immutable_even_before_the_close():
    decision = decide(CLOSES - timedelta(days=1), status="sent")
    assert not decision.allowed and "đã được gửi" in decision.message


def test_locked_submission_refuses():
    assert not decide(CLOSES - timedelta(days=1), status="locked").allowed


WINDOW = WindowSpan(CLOSES + timedelta(days=5), CLOSES + timedelta(days=10), frozenset({"2.1", "3.2"}))


@pytest.mark.parametrize("what", [EXPLANATION, EVIDENCE])
def test_inside_a_window_named_criteria_take_evidence_and_explanation(what):
    decision = decide(CLOSES + timedelta(days=6), what, status="sent", windows=[WINDOW])
    assert decision.allowed and decision.in_window


def test_inside_a_window_the_self_score_stays():
    decision = decide(CLOSES + timedelta(days=6), SCORE, status="sent", windows=[WINDOW])
    assert not decision.allowed and "điểm tự chấm giữ nguyên" in decision.message


def test_a_window_does_not_reopen_other_criteria():
    assert not decide(CLOSES + timedelta(days=6), EVIDENCE, status="sent", windows=[WINDOW], code="5.1").allowed


def test_a_window_closes_at_its_own_deadline():
    assert not decide(WINDOW.closes_at, EVIDENCE, status="sent", windows=[WINDOW]).allowed
    assert decide(WINDOW.closes_at - timedelta(seconds=1), EVIDENCE, status="sent", windows=[WINDOW]).allowed


@pytest.mark.parametrize("text, cites", [
    ("Đạt 100% kế hoạch, tại Mục 2 Báo cáo số 30/BC-SXD", True),
    ("Theo Khoản 1 Điều 3 Quyết định", True),
    ("điểm 2.1 của kế hoạch", True),
    ("Đã thực hiện đầy đủ theo quy định", False),
    ("", False),
])
def test_citation_check(text, cites):
    assert cites_evidence(text) is cites
