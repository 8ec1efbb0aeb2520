"""``oasis rappels``: the day-before reminders (run daily, e.g. by cron at 18:00)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

import typer

from oasis.commands.db import DbOption, database_url


def reminders(db: DbOption = None,
              jour: Annotated[str | None, typer.Option(
                  help="Jour des rendez-vous (AAAA-MM-JJ ; défaut : demain)")] = None) -> None:
    """Envoie les rappels des rendez-vous du lendemain (SMTP, ou boîte d'envoi stockée)."""
    from oasis.care.core import db as care_db
    from oasis.care.core.clock import paris_today
    from oasis.care.notifications import service as notifications
    from oasis.commands.console import fail
    from oasis.config import get_settings

    try:
        day = date.fromisoformat(jour) if jour else paris_today() + timedelta(days=1)
    except ValueError:
        fail(f"--jour : date invalide « {jour} » (attendu AAAA-MM-JJ)")
    settings = get_settings()
    with care_db.session_scope(database_url(db)) as session:
        messages = notifications.reminders_for(session, day)
        session.commit()
        sent = notifications.deliver(session, messages, settings.smtp_url, settings.mail_from)
    count = f"{len(messages)} rappel{'s' if len(messages) > 1 else ''}"
    if settings.smtp_url:
        typer.echo(f"{count} pour le {day:%d/%m/%Y} : {sent} envoyé{'s' if sent > 1 else ''} "
                   "par SMTP.")
    else:
        typer.echo(f"{count} pour le {day:%d/%m/%Y}, gardé{'s' if len(messages) > 1 else ''} "
                   "dans la boîte d'envoi (OASIS_SMTP_URL non défini).")
