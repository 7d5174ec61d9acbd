"""Progress per department on the review page (issue #13 item 3), as an inclusion tag: the review view needs no
change (``submissions.departments.sheet_progress``)."""

from django import template

from submissions import departments

register = template.Library()


@register.inclusion_tag("submissions/departments/_progress.html", takes_context=True)
def department_progress(context, submission):
    """Scored / with evidence / total leaves per department, from the sheet the page already read; nothing when
    the unit has no department."""
    sheet = context.get("sheet")
    rows = departments.sheet_progress(submission, sheet) if sheet is not None else []
    access = context.get("access")
    return {"submission": submission, "rows": rows, "required": bool(submission.period.setting(departments.SETTING)),
            "can_manage": bool(getattr(access, "send", False))}
