"""Messages to account holders, and the single-use secrets some of them carry.

The messages themselves (sign-up confirmation, « someone tried to sign up with your
address », invitation of a professional) go through the one outbox
(:func:`oasis.care.notifications.service.queue`), which the ``notify`` job delivers;
they are committed with the request that wrote them: a rolled-back request sends
nothing.  They carry no ``ref``: a notice may rightly be sent again (a new link).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from oasis.care.accounts.models import Account, AccountToken
from oasis.care.core.clock import utcnow
from oasis.care.core.errors import NotFound

CONFIRM_TTL = timedelta(days=2)
INVITE_TTL = timedelta(days=7)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "replace")).hexdigest()


def new_account_token(session: Session, account: Account, purpose: str, ttl: timedelta,
                      created_by: int | None = None, now: datetime | None = None) -> str:
    """A fresh secret for ``account`` (earlier unused ones of that purpose stop working)."""
    now = now or utcnow()
    session.execute(update(AccountToken).where(
        AccountToken.account_id == account.id, AccountToken.purpose == purpose,
        AccountToken.used_at.is_(None)).values(used_at=now)
        .execution_options(synchronize_session=False))
    secret = secrets.token_urlsafe(32)
    session.add(AccountToken(account_id=account.id, purpose=purpose, token_hash=_digest(secret),
                             created_by_account_id=created_by, created_at=now,
                             expires_at=now + ttl))
    session.flush()
    return secret


def use_account_token(session: Session, secret: str, purpose: str,
                      now: datetime | None = None) -> Account:
    """The account of an unused, unexpired secret, which is used up; else NotFound."""
    now = now or utcnow()
    token = session.scalar(select(AccountToken).where(
        AccountToken.token_hash == _digest(secret or ""), AccountToken.purpose == purpose))
    if token is None or token.used_at is not None or token.expires_at < now:
        raise NotFound("lien invalide ou expiré : demandez-en un nouveau", code="invalid_link")
    done = session.execute(update(AccountToken).where(
        AccountToken.id == token.id, AccountToken.used_at.is_(None)).values(used_at=now)
        .execution_options(synchronize_session=False)).rowcount
    if not done:  # used by a concurrent request
        raise NotFound("lien invalide ou expiré : demandez-en un nouveau", code="invalid_link")
    return session.get(Account, token.account_id)
