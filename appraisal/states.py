"""The one-way steps of a period's appraisal round: open → released (units see their appraised scores)
→ closed (frozen; later change only through revocation, Điều 10.4). ``docs/process.md`` lists the
prerequisites of each step."""

from __future__ import annotations

from submissions.permissions import is_secretariat
from submissions.transitions import SECRETARIAT, Action, Table

from .models import AppraisalRound

R = AppraisalRound.Status

ROUND = Table("appraisal_round", dict(R.choices), [
    Action("release", "công bố kết quả thẩm định cho đơn vị", (R.OPEN,), R.RELEASED, frozenset({SECRETARIAT})),
    Action("close", "kết thúc đợt thẩm định", (R.RELEASED,), R.CLOSED, frozenset({SECRETARIAT})),
], model=AppraisalRound)


def round_roles(user, period) -> set[str]:
    return {SECRETARIAT} if is_secretariat(user, period.authority_id) else set()
