"""The link the next year's council sees on its unit page beside criteria 8.1 and 8.2: the unit's (or its
predecessors') analysis of the points lost in the year before (``ranking.lost_points.previous_year``)."""

from django import template
from django.urls import reverse

register = template.Library()


@register.simple_tag
def previous_lost_points(submission, node):
    """{url, year, names, count, explained} for an 8.1/8.2 row whose unit has last year's published analysis,
    else None. No query for the other criteria; computed once per submission object for the page."""
    from ranking import lost_points as lp

    if submission is None or node is None or not lp.is_evidence_criterion(node.code, node.title):
        return None
    cached = getattr(submission, "_previous_lost_points", False)
    if cached is not False:
        return cached
    found = lp.previous_year(submission)
    result = None
    if found:
        by_submission = lp.rows_for([f["submission"] for f in found], lp.APPRAISED)
        rows = [row for f in found for row in by_submission[f["submission"].pk]]
        names = ", ".join(f["submission"].unit.name + (" (trước đây)" if f["former"] else "") for f in found)
        result = {"url": reverse("ranking:lost_points_previous", args=[submission.pk]),
                  "year": submission.period.year - 1, "names": names, "count": len(rows),
                  "explained": sum(1 for r in rows if r.explained)}
    submission._previous_lost_points = result
    return result
