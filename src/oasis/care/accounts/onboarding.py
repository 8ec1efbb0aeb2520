"""How accounts come to exist without leaking who is registered or who may act as whom.

* **Sign-up** (:func:`request_signup`) answers the same whatever the address or NIR: a
  new address gets an inactive account and a confirmation link by e-mail; an address
  that already has an account (or a NIR already registered) gets no new account, and
  its owner is told by e-mail that someone tried.  Only the holder of the mailbox can
  then sign in (:func:`confirm_signup`).
* **Professionals** are invited (:func:`invite_professional`): the coordinator or admin
  who creates the account never knows its password; the professional sets it from the
  link sent to the address on file (:func:`accept_invitation`).  Every invitation is
  audited.
"""

from __future__ import annotations

import secrets
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from oasis.care.accounts import notices
from oasis.care.accounts.models import Account
from oasis.care.accounts.service import create_account, hash_password
from oasis.care.audit.service import record
from oasis.care.core.actor import Actor
from oasis.care.core.errors import Conflict, Invalid
from oasis.care.core.identifiers import InvalidIdentifier, normalise_nir
from oasis.care.notifications import service as notifications
from oasis.care.people import service as people
from oasis.care.people.models import Patient, Practitioner

SIGNUP_SENT = ("Si cette adresse n'a pas encore de compte, il vient d'être créé : ouvrez le "
               "lien envoyé par e-mail pour l'activer. Sinon, un message a été envoyé à "
               "son titulaire.")


def _unusable_password() -> str:
    """A hash nobody knows the password of (until the owner sets one)."""
    return hash_password(secrets.token_urlsafe(32))


def _taken(session: Session, email: str) -> Account | None:
    return session.scalar(select(Account).where(func.lower(Account.email) == email))


def request_signup(session: Session, *, email: str, password: str, link_base: str,
                   family_name: str, given_name: str, birth_date: date, commune_code: str,
                   nir: str | None = None, **patient: object) -> None:
    """Start a patient's sign-up; the answer to the caller never depends on who exists.

    Input errors that do not depend on other people's data (weak password, unknown
    commune, malformed NIR) are still refused, identically for everyone.
    """
    email = email.strip().lower()
    if "@" not in email or len(email) > 200:
        raise Invalid("adresse e-mail invalide", code="invalid_email")
    hash_password(password)  # weak passwords refused before anything is looked up
    try:
        normal_nir = normalise_nir(nir) if nir else None
    except InvalidIdentifier as exc:
        raise Invalid(str(exc), code="invalid_nir") from exc
    existing = _taken(session, email)
    if existing is not None:
        notifications.queue(
            session, email=email, account_id=existing.id, kind="signup-existing",
            subject="Tentative d'inscription avec votre adresse",
            body="Quelqu'un a demandé à créer un compte Oasis avec votre adresse, qui en a "
                 "déjà un. Si c'était vous, connectez-vous (ou demandez un nouveau mot de "
                 "passe). Sinon, vous n'avez rien à faire : aucun compte n'a été créé.")
        return
    owner = session.scalar(select(Patient).where(Patient.nir == normal_nir)) \
        if normal_nir else None
    if owner is not None:
        if owner.email:
            notifications.queue(
                session, email=owner.email, patient_id=owner.id, kind="signup-nir",
                subject="Tentative d'inscription avec votre numéro de sécurité sociale",
                body="Quelqu'un a demandé à créer un compte Oasis avec votre numéro de "
                     "sécurité sociale, déjà enregistré. Aucun compte n'a été créé. Si ce "
                     "n'était pas vous, signalez-le à votre coordinateur.")
        return
    try:
        patient_row = people.create_patient(
            session, Actor(account_id=None, role="patient"), family_name=family_name,
            given_name=given_name, birth_date=birth_date, commune_code=commune_code,
            nir=normal_nir, email=email, **patient)
        account = create_account(session, email=email, password=password, role="patient",
                                 patient_id=patient_row.id,
                                 display_name=f"{patient_row.given_name} "
                                              f"{patient_row.family_name}")
    except Conflict:
        # a concurrent sign-up took the address or the NIR first: same answer
        session.rollback()
        return
    account.active = False
    secret = notices.new_account_token(session, account, "confirm", notices.CONFIRM_TTL)
    notifications.queue(
        session, email=email, account_id=account.id, kind="signup-confirm",
        subject="Activez votre compte Oasis",
        body=f"Bonjour {patient_row.given_name},\n\nPour activer votre compte Oasis, ouvrez "
             f"ce lien (valable 48 heures) :\n{link_base}/inscription/confirmer/{secret}\n\n"
             "Si vous n'avez rien demandé, ignorez ce message.")


def confirm_signup(session: Session, secret: str) -> Account:
    """Activate the account of a confirmation link (NotFound: invalid or used)."""
    account = notices.use_account_token(session, secret, "confirm")
    account.active = True
    return account


def invite_professional(session: Session, actor: Actor, practitioner: Practitioner,
                        email: str, link_base: str) -> Account:
    """An inactive practitioner account and a set-password link sent to ``email``.

    The practitioner's RPPS has been validated (check digit) when the practitioner was
    created; the invitation goes to the address given, never to the one who invites.
    """
    account = create_account(session, email=email, password=secrets.token_urlsafe(24),
                             role="practitioner", practitioner_id=practitioner.id,
                             display_name=practitioner.display_name)
    account.password_hash = _unusable_password()
    account.active = False
    secret = notices.new_account_token(session, account, "invite", notices.INVITE_TTL,
                                       created_by=actor.account_id)
    notifications.queue(
        session, email=account.email, account_id=account.id, kind="invitation",
        subject="Votre compte professionnel Oasis",
        body=f"Bonjour {practitioner.display_name},\n\nUn compte Oasis a été ouvert pour "
             f"vous (RPPS {practitioner.rpps}). Choisissez votre mot de passe avec ce lien "
             f"(valable 7 jours) :\n{link_base}/invitation/{secret}\n\nSi vous ne "
             "l'attendiez pas, ignorez ce message : le compte reste inactif.")
    record(session, actor, "create", "Account", account.id,
           purpose=f"invitation d'un professionnel (RPPS {practitioner.rpps})")
    return account


def accept_invitation(session: Session, secret: str, password: str) -> Account:
    """Set the invited professional's password and activate the account."""
    new_hash = hash_password(password)
    account = notices.use_account_token(session, secret, "invite")
    account.password_hash = new_hash
    account.active = True
    account.token_version += 1
    record(session, Actor(account_id=account.id, role=account.role,
                          practitioner_id=account.practitioner_id), "update", "Account",
           account.id, purpose="invitation acceptée, mot de passe choisi")
    return account
