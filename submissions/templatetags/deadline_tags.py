"""``{% block_deadlines period block_id phases %}``: a block's deadlines (sending, the council's appraisal, the
leaders' forms; issue #13 item 5, ``submissions.phase_deadlines``) with their countdown, on the secretariat's
period page, the council member's and the leader's pages. ``block_id`` None: every block of the period;
``phases``: which of "sending,appraisal,leader" to show. One query."""

from django import template
from django.utils import timezone

from submissions.phase_deadlines import period_deadlines

register = template.Library()


@register.inclusion_tag("submissions/_block_deadlines.html")
def block_deadlines(period, block_id=None, phases="sending,appraisal,leader"):
    wanted = [p.strip() for p in phases.split(",") if p.strip()]
    rows = period_deadlines(period, timezone.now(), None if block_id is None else [block_id])
    return {"rows": [(row.block, [getattr(row, p) for p in wanted]) for row in rows]}
