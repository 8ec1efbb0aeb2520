"""RFC 5545 calendars of an appointment: sent with each message, downloadable by the patient.

* Wall times are Europe/Paris (``DTSTART;TZID=Europe/Paris``) with the matching
  ``VTIMEZONE`` block (EU rule since 1996: summer time from the last Sunday of March 2:00
  to the last Sunday of October 3:00), so a calendar that has no time-zone database shows
  the right hour.
* ``UID`` is stable for the appointment and every reschedule of it (the first
  appointment of the chain names it); ``SEQUENCE`` counts the reschedules, so a calendar
  replaces the old event by the moved one (RFC 5546 §2.1.4).
* ``METHOD:REQUEST`` in a confirmation or reminder, ``METHOD:CANCEL`` (``STATUS:CANCELLED``)
  when the practice cancels; ``METHOD:PUBLISH`` for a download (no invitation semantics).
* Lines are folded at 75 octets (§3.1) and text escaped (§3.3.11).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from oasis.care.booking.models import Appointment
from oasis.care.core.clock import PARIS, utcnow

ORGANIZER = "mailto:ne-pas-repondre@oasis.invalid"
MAX_CHAIN = 50  # reschedules followed back to the first appointment (a loop guard)

VTIMEZONE_PARIS = (
    "BEGIN:VTIMEZONE", "TZID:Europe/Paris", "X-LIC-LOCATION:Europe/Paris",
    "BEGIN:DAYLIGHT", "TZOFFSETFROM:+0100", "TZOFFSETTO:+0200", "TZNAME:CEST",
    "DTSTART:19810329T020000", "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU", "END:DAYLIGHT",
    "BEGIN:STANDARD", "TZOFFSETFROM:+0200", "TZOFFSETTO:+0100", "TZNAME:CET",
    "DTSTART:19961027T030000", "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU", "END:STANDARD",
    "END:VTIMEZONE",
)


def _local(at: datetime) -> str:
    return at.astimezone(PARIS).strftime("%Y%m%dT%H%M%S")


def _escape(text: str) -> str:
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n"))


def fold(line: str) -> str:
    """A content line folded into chunks of at most 75 octets (never inside a character)."""
    out, chunk, size, limit = [], "", 0, 75
    for char in line:
        n = len(char.encode())
        if size + n > limit:
            out.append(chunk)
            chunk, size, limit = "", 0, 74  # continuation lines start with a space
        chunk += char
        size += n
    out.append(chunk)
    return "\r\n ".join(out)


def chain(session: Session, a: Appointment) -> tuple[int, int]:
    """(id of the first appointment of the reschedule chain, number of reschedules)."""
    root, depth = a, 0
    while root.rescheduled_from_id is not None and depth < MAX_CHAIN:
        previous = session.get(Appointment, root.rescheduled_from_id)
        if previous is None:
            break
        root, depth = previous, depth + 1
    return root.id, depth


def appointment_ics(session: Session, a: Appointment, *, method: str = "REQUEST",
                    attendee: str | None = None, now: datetime | None = None) -> str:
    """The calendar of ``a``: ``method`` REQUEST, CANCEL or PUBLISH."""
    now = now or utcnow()
    root_id, sequence = chain(session, a)
    cancelled = method == "CANCEL" or a.status == "cancelled"
    where = a.location.name if a.location else ""
    if a.mode == "video":
        where = "Téléconsultation (lien dans « Mes rendez-vous » sur Oasis)"
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Oasis//Rendez-vous//FR",
             "CALSCALE:GREGORIAN", f"METHOD:{method}", *VTIMEZONE_PARIS, "BEGIN:VEVENT",
             f"UID:rdv-{root_id}@oasis", f"SEQUENCE:{sequence}",
             "DTSTAMP:" + now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ"),
             f"DTSTART;TZID=Europe/Paris:{_local(a.start_at)}",
             f"DTEND;TZID=Europe/Paris:{_local(a.end_at)}",
             "SUMMARY:" + _escape(f"Rendez-vous avec {a.practitioner.display_name}"),
             "LOCATION:" + _escape(where)]
    if method != "PUBLISH":
        lines.append(f"ORGANIZER;CN=Oasis:{ORGANIZER}")
        if attendee and "@" in attendee:
            lines.append(f"ATTENDEE;ROLE=REQ-PARTICIPANT:mailto:{attendee}")
    lines += ["STATUS:" + ("CANCELLED" if cancelled else "CONFIRMED"),
              "TRANSP:OPAQUE", "END:VEVENT", "END:VCALENDAR"]
    return "\r\n".join(fold(line) for line in lines) + "\r\n"
