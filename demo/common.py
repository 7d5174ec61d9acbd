"""What the demo's workflows share: accounts and the council seat that appraises a criterion."""

from __future__ import annotations

import secrets

from criteria.models import Node
from criteria.tree import effective_agency
from submissions.models import User


def account(command, username: str, full_name: str, position: str, *, domain: str, password: bool = False) -> User:
    """A personal account. With ``password`` it gets a one-time local password, printed once (to look at the demo
    without an SSO server); otherwise an unusable one: the person logs in through the province's SSO, matched by
    the e-mail (``config.oidc``), or gets a password from the administrator."""
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, full_name=full_name, position=position, email=f"{username}@{domain}",
                    must_change_password=password)
        secret = secrets.token_urlsafe(9) if password else None
        user.set_password(secret)  # None: unusable
        user.save()
        command.account_created(username, secret, full_name)
    return user


def seats(members, node: Node, chain: dict) -> list:
    """The council members whose agency appraises ``node`` (its own "Cơ quan thẩm định" or the nearest above)."""
    from appraisal.rules import agency_matches

    return [m for m in members if agency_matches(effective_agency(node, chain), m.keyword_list())]


def same_file(source, submission, node, number: str):
    """Another evidence record on the stored file of ``source`` (``load_demo._same_file``), after ``source``'s
    signature check has run: queued at the commit, it would leave the copies "đang kiểm tra" for ever."""
    from submissions import services
    from submissions.management.commands.load_demo import _same_file

    if source.signature_status == "pending":
        source = services.evidence_record_signature(evidence_id=source.pk) or source
    return _same_file(source, submission, node, number)
