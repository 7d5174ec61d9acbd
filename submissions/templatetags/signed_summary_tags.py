"""The signed summary table on the review page (upload) and on the council's unit page (read-only), as
inclusion tags: the pages' views need no change (``submissions.signed_summary``)."""

from django import template

from submissions import signed_summary

register = template.Library()


@register.inclusion_tag("submissions/_signed_summary.html", takes_context=True)
def signed_summary_panel(context, submission):
    """The review page: the PDF to sign, the latest upload and whether it matches, the upload form for the
    approver of a draft sheet."""
    found = signed_summary.state(submission, context.get("sheet"))
    return {"submission": submission, "state": found, "summary": found.summary,
            "can_upload": "send" in (context.get("offered") or ()), "csrf_token": context.get("csrf_token")}


@register.inclusion_tag("submissions/_signed_summary_council.html")
def signed_summary_council(submission):
    """The council's unit page: who signed the summary, with which certificate (read-only). Without an upload
    the sheet is not read again."""
    if signed_summary.latest(submission) is None:
        return {"submission": submission, "summary": None,
                "state": {"required": bool(submission.period.setting("signed_summary_required"))}}
    found = signed_summary.state(submission)
    return {"submission": submission, "state": found, "summary": found.summary}


@register.filter
def fingerprint_short(value: str) -> str:
    """The first 16 hexadecimal characters in groups of four, as the PDF prints them."""
    return signed_summary.short_text(value)
