"""Accounts: Argon2 password hashes, authentication, and signed stateless tokens.

Tokens are ``v1.<payload>.<signature>`` with an HMAC-SHA256 of the payload under the
settings' secret key (no extra dependency); the payload carries the account id, the
account's ``token_version`` (bumped to revoke every token of an account) and an expiry.
The same token is the OAuth2 bearer token of the API and the value of the HttpOnly
session cookie of the pages.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from oasis.care.accounts import throttle
from oasis.care.accounts.models import Account
from oasis.care.core.actor import Actor
from oasis.care.core.errors import Conflict, Invalid, Unauthenticated
from oasis.care.core.inputs import is_id, same_secret
from oasis.care.core.vocab import ROLES
from oasis.care.people.models import StaffMember

MIN_PASSWORD_LENGTH = 8
TOKEN_TTL_S = 12 * 3600

_hasher = PasswordHasher()
# Verified against when the e-mail is unknown, so timing does not reveal which e-mails exist.
_DUMMY_HASH = _hasher.hash("oasis-dummy-password")


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(f"mot de passe trop court (au moins {MIN_PASSWORD_LENGTH} caractères)",
                      code="weak_password")
    return _hasher.hash(password)


def create_account(session: Session, *, email: str, password: str, role: str,
                   display_name: str, patient_id: int | None = None,
                   practitioner_id: int | None = None, staff_id: int | None = None,
                   synthetic: bool = False) -> Account:
    email = email.strip().lower()
    if "@" not in email or len(email) > 200:
        raise Invalid("adresse e-mail invalide", code="invalid_email")
    if role not in ROLES:
        raise Invalid(f"rôle inconnu : {role!r}", code="invalid_role")
    if role == "patient" and patient_id is None:
        raise Invalid("un compte patient est lié à un patient", code="invalid_role")
    if role == "practitioner" and practitioner_id is None:
        raise Invalid("un compte praticien est lié à un praticien", code="invalid_role")
    if session.scalar(select(Account.id).where(func.lower(Account.email) == email)):
        raise Conflict("un compte existe déjà avec cette adresse", code="email_taken")
    account = Account(email=email, password_hash=hash_password(password), role=role,
                      display_name=display_name, patient_id=patient_id,
                      practitioner_id=practitioner_id, staff_id=staff_id, synthetic=synthetic)
    session.add(account)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:
        raise Conflict("un compte existe déjà avec cette adresse", code="email_taken") from exc
    return account


def authenticate(session: Session, email: str, password: str) -> Account:
    """The active account with these credentials, or Unauthenticated (same message)."""
    account = session.scalar(select(Account).where(Account.email == email.strip().lower()))
    try:
        _hasher.verify(account.password_hash if account else _DUMMY_HASH, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        account = None
    if account is None or not account.active:
        raise Unauthenticated("identifiants incorrects", code="invalid_credentials")
    if _hasher.check_needs_rehash(account.password_hash):
        account.password_hash = _hasher.hash(password)
    account.last_login_at = datetime.now(UTC)
    return account


def sign_in(session: Session, email: str, password: str, address: str | None) -> Account:
    """:func:`authenticate`, throttled per account and per address (429 past the limit).

    A refused guess is counted (and committed) before the refusal is raised; a success
    clears the account's count, not the address's.
    """
    keys = [(throttle.LOGIN_ACCOUNT, email or "")]
    if address:
        keys.append((throttle.LOGIN_ADDRESS, address))
    throttle.check(session, "login", keys)
    try:
        account = authenticate(session, email, password)
    except Unauthenticated:
        session.rollback()
        throttle.fail(session, keys)
        raise
    throttle.clear(session, keys[:1])
    return account


def revoke_sessions(account: Account) -> None:
    """End every session of ``account``: tokens carry the version, which moves on."""
    account.token_version += 1


def change_password(session: Session, account: Account, new_password: str) -> None:
    """New hash and a new token version: every token issued before stops working."""
    account.password_hash = hash_password(new_password)
    revoke_sessions(account)


# ------------------------------------------------------------------------------ tokens
def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(secret: str, payload: str) -> str:
    return _b64(hmac.new(secret.encode(), payload.encode(), hashlib.sha256).digest())


def issue_token(account: Account, secret: str, ttl_s: int = TOKEN_TTL_S,
                now: float | None = None) -> str:
    now = time.time() if now is None else now
    body = {"sub": account.id, "ver": account.token_version, "exp": int(now + ttl_s)}
    if getattr(account, "role", None) == "patient" and account.patient_id is not None:
        body["pat"] = account.patient_id  # lets the booking skip the account read
    payload = _b64(json.dumps(body, separators=(",", ":")).encode())
    return f"v1.{payload}.{_sign(secret, payload)}"


def read_token(token: str, secret: str, now: float | None = None) -> dict:
    """The token's claims if the signature is good and it has not expired."""
    try:
        version, payload, signature = token.split(".")
    except ValueError as exc:
        raise Unauthenticated("jeton invalide", code="invalid_token") from exc
    if version != "v1" or not payload.isascii() or not same_secret(_sign(secret, payload),
                                                                   signature):
        raise Unauthenticated("jeton invalide", code="invalid_token")
    try:
        claims = json.loads(_unb64(payload))
    except ValueError as exc:
        raise Unauthenticated("jeton invalide", code="invalid_token") from exc
    if not isinstance(claims, dict) or not is_id(claims.get("sub")) \
            or not isinstance(claims.get("exp", 0), int | float):
        raise Unauthenticated("jeton invalide", code="invalid_token")
    if claims.get("exp", 0) < (time.time() if now is None else now):
        raise Unauthenticated("session expirée, reconnectez-vous", code="token_expired")
    return claims


def account_from_token(session: Session, token: str, secret: str) -> Account:
    claims = read_token(token, secret)
    account = session.get(Account, claims.get("sub"))
    if account is None or not account.active or account.token_version != claims.get("ver"):
        raise Unauthenticated("session révoquée, reconnectez-vous", code="token_revoked")
    return account


def actor_for(session: Session, account: Account) -> Actor:
    location_id = None
    if account.staff_id is not None:
        location_id = session.scalar(select(StaffMember.location_id)
                                     .where(StaffMember.id == account.staff_id))
    return Actor(account_id=account.id, role=account.role, patient_id=account.patient_id,
                 practitioner_id=account.practitioner_id, staff_id=account.staff_id,
                 location_id=location_id)


def token_actor(token: str, secret: str) -> Actor | None:
    """The patient actor a signed token names, **without reading the account**; ``None``
    for any other token (then use :func:`account_from_token`).

    The actor carries the token's version: a service accepting it must check the account
    (active, same version, same patient) in its own statement, which costs no round trip
    and revokes exactly as a read would (sign-out, password change and an admin's
    revocation commit the new version before any later statement runs, on every worker).
    """
    claims = read_token(token, secret)
    patient_id, version = claims.get("pat"), claims.get("ver")
    if not is_id(patient_id) or not isinstance(version, int) or isinstance(version, bool):
        return None
    return Actor(account_id=claims["sub"], role="patient", patient_id=patient_id,
                 token_version=version)


def token_still_valid(account_id, token_version, patient_id):
    """SQL condition: the account of a :func:`token_actor` still honours its token (the
    arguments are values or bind parameters)."""
    return exists().where(Account.id == account_id, Account.active.is_(True),
                          Account.token_version == token_version,
                          Account.role == "patient", Account.patient_id == patient_id)


def ensure_token_valid(session: Session, actor: Actor) -> None:
    """401 ``token_revoked`` unless the account of a :func:`token_actor` honours it."""
    if actor.token_version is not None and not session.scalar(
            select(token_still_valid(actor.account_id, actor.token_version,
                                     actor.patient_id))):
        raise Unauthenticated("session révoquée, reconnectez-vous", code="token_revoked")
