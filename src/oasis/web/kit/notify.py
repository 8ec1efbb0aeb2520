"""Send a route's notifications once its transaction is committed (then commit the outbox).

Called after the business commit, so a mail server outage never undoes a booking: the
message is then kept in the outbox as ``failed`` with its error.
"""

from __future__ import annotations

from fastapi import Request

from oasis.care.notifications import service as notifications


def send(request: Request, session, messages) -> None:
    settings = request.app.state.settings
    notifications.deliver(session, list(messages), settings.smtp_url, settings.mail_from)
    session.commit()
