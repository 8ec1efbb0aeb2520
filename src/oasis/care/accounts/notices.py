"""Messages to account holders, and the single-use secrets some of them carry.

:func:`send_account_notice` is the one way the platform writes to a person about their
account (sign-up confirmation, « someone tried to sign up with your address »,
invitation of a professional).  It puts the message in the outbox table
(:class:`~oasis.care.accounts.models.AccountNotice`); a mail sender delivers it and sets
``sent_at``.  Committed with the request that wrote it: a rolled-back request sends
nothing.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from oasis.care.accounts.models import Account, AccountNotice, AccountToken
from oasis.care.core.clock import utcnow
from oasis.care.core.errors import NotFound

CONFIRM_TTL = timedelta(days=2)
INVITE_TTL = timedelta(days=7)


def send_account_notice(session: Session, *, email: str, kind: str, subject: str,
                        body: str) -> AccountNotice:
    """Queue one e-mail to ``email`` (the outbox is what a mail sender reads)."""
    notice = AccountNotice(email=email.strip().lower()[:200], kind=kind[:40],
                           subject=subject[:200], body=body[:4000])
    session.add(notice)
    session.flush()
    return notice


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
