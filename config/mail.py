"""One way to send a notice by e-mail. A mail server that blinks never undoes the action that caused the
notice: failures are logged, not raised."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.core.mail import EmailMessage

log = logging.getLogger(__name__)


def site_link(path: str) -> str:
    """The absolute address of ``path`` (a ``reverse`` result) on this site: every notice carries the link to
    the page that needs action (``SITE_URL``)."""
    from django.conf import settings

    return f"{settings.SITE_URL}{path}"


def send_notice(*, to: Iterable[str], subject: str, body: str, hidden: bool = False) -> int:
    """Send to every distinct non-empty address (``hidden``: as Bcc, for notices to many units).
    Returns the number of addresses, 0 when there are none or sending failed."""
    emails = sorted({e.strip() for e in to if e and e.strip()})
    if not emails:
        return 0
    message = EmailMessage(subject=subject, body=body, bcc=emails) if hidden else \
        EmailMessage(subject=subject, body=body, to=emails)
    try:
        message.send()
    except Exception:
        log.exception("notice not sent: %s", subject)
        return 0
    return len(emails)
