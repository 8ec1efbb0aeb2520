"""Throttling of guesses: sign-in passwords, ETT identity checks, prescription codes.

A guess that fails is counted for every key it concerns (the account aimed at, the
address it came from, the nurse, the patient…) in a fixed window; once a key reaches its
limit, further guesses on it are refused with :class:`TooManyAttempts` (HTTP 429 with
``Retry-After``) *before* anything is checked, until the window ends.  Counters live in
the database (:class:`~oasis.care.accounts.models.ThrottleCounter`), so several server
processes share them, and a failure is committed at once: the request that made it is
then rolled back but the count stays.

The limits are dated data with their source; where no public figure was found the limit
is a labelled parameter of Oasis (``source`` says so).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from oasis.care.accounts.models import ThrottleCounter
from oasis.care.core.errors import TooManyAttempts

CNIL_2017 = ("CNIL, délibération n° 2017-012 (recommandation mots de passe), reprise par "
             "cybermalveillance.gouv.fr : « verrouillage du compte après 10 échecs » ; avec "
             "une information complémentaire, « bloquer le compte à la 5ème tentative "
             "infructueuse » — https://infos.isidoor.org/kb/authentification-par-mot-de-passe")
READ_ON = "2026-12-01"


@dataclass(frozen=True)
class Limit:
    """At most ``attempts`` failed guesses per key in ``window_s`` seconds."""

    name: str
    attempts: int
    window_s: int
    source: str
    read_on: str = READ_ON

    def retry_after(self, now: float) -> int:
        return int(self.window_s - now % self.window_s) or 1


# Window lengths (15 min, 1 h) are Oasis parameters: the CNIL gives a count, not a period.
LOGIN_ACCOUNT = Limit("login-account", 10, 15 * 60, CNIL_2017)
LOGIN_ADDRESS = Limit("login-address", 50, 15 * 60,
                      "paramètre Oasis (aucune source publique chiffrée trouvée) : une "
                      "adresse partagée (NAT d'un cabinet, d'une mairie) garde de la marge")
ETT_NURSE = Limit("ett-nurse", 5, 60 * 60, CNIL_2017 + " (date de naissance = information "
                  "complémentaire)")
ETT_PATIENT = Limit("ett-patient", 5, 60 * 60, CNIL_2017)
RX_ADDRESS = Limit("rx-address", 20, 15 * 60,
                   "paramètre Oasis (aucune source publique chiffrée trouvée) : un "
                   "pharmacien vérifie quelques ordonnances par quart d'heure")

MESSAGES = {
    "login": "Trop de tentatives de connexion : réessayez dans {minutes} minute(s).",
    "ett": "Trop de vérifications d'identité manquées : réessayez dans {minutes} minute(s) "
           "ou vérifiez la pièce d'identité du patient.",
    "rx": "Trop de vérifications d'ordonnance : réessayez dans {minutes} minute(s).",
}


def _window(limit: Limit, now: float) -> int:
    return int(now // limit.window_s * limit.window_s)


def _key(limit: Limit, subject: str) -> str:
    return f"{limit.name}:{subject.strip().lower()}"[:300]


def failures(session: Session, limit: Limit, subject: str, now: float | None = None) -> int:
    now = time.time() if now is None else now
    return session.scalar(select(ThrottleCounter.count).where(
        ThrottleCounter.key == _key(limit, subject),
        ThrottleCounter.window_start == _window(limit, now))) or 0


def check(session: Session, kind: str, keys: list[tuple[Limit, str]],
          now: float | None = None) -> None:
    """Refuse at once (TooManyAttempts) if any key has used up its failed guesses."""
    now = time.time() if now is None else now
    for limit, subject in keys:
        if failures(session, limit, subject, now) >= limit.attempts:
            wait = limit.retry_after(now)
            raise TooManyAttempts(MESSAGES[kind].format(minutes=max(1, -(-wait // 60))),
                                  retry_after=wait)


def fail(session: Session, keys: list[tuple[Limit, str]], now: float | None = None) -> None:
    """Count one failed guess on every key and commit it (the request will roll back)."""
    now = time.time() if now is None else now
    for limit, subject in keys:
        key, window = _key(limit, subject), _window(limit, now)
        for _ in range(3):
            bumped = session.execute(
                update(ThrottleCounter)
                .where(ThrottleCounter.key == key, ThrottleCounter.window_start == window)
                .values(count=ThrottleCounter.count + 1)
                .execution_options(synchronize_session=False)).rowcount
            if bumped:
                break
            try:
                with session.begin_nested():
                    session.add(ThrottleCounter(key=key, window_start=window, count=1))
                break
            except IntegrityError:  # another process created it meanwhile: bump it
                continue
        # old windows are useless: keep the table small
        session.execute(delete(ThrottleCounter).where(ThrottleCounter.key == key,
                                                      ThrottleCounter.window_start < window))
    session.commit()


def clear(session: Session, keys: list[tuple[Limit, str]], now: float | None = None) -> None:
    """Forget a key's failures (a successful sign-in of that account)."""
    now = time.time() if now is None else now
    for limit, subject in keys:
        session.execute(delete(ThrottleCounter).where(
            ThrottleCounter.key == _key(limit, subject)))
