"""The consultation side of the video room: measurements kept in the record.

The room's measurement hook stores the ETT nurse's entries in the Encounter before the
room shows them, and feeds late joiners from the database; the room check shuts the
room of a closed consultation to every token.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import FastAPI
from sqlalchemy.exc import OperationalError, ProgrammingError

from oasis.care.core.clock import PARIS
from oasis.care.core.db import session_factory
from oasis.care.teleconsult import encounters, exchanges
from oasis.care.teleconsult.vitals import Vitals
from oasis.web.live.visio_hooks import (
    ChatEvent,
    MeasurementEvent,
    on_chat,
    on_measurement,
    set_chat_history,
    set_measurement_history,
    set_room_check,
)


def _encounter_for_room(session, room: str):
    """The consultation of ``room``, or None for a room that is not one.

    A server without the care tables (a video-only deployment, the visio tests) has no
    consultations at all: its rooms work as before instead of failing on the query.
    """
    try:
        return encounters.encounter_by_room(session, room)
    except (OperationalError, ProgrammingError):
        session.rollback()
        return None


def install_measurement_hooks(app: FastAPI) -> None:
    """Persist the measurements typed in a consultation's call, and replay them."""
    def persist(event: MeasurementEvent) -> None:
        session = session_factory(app.state.settings.database_url)()
        try:
            encounter = _encounter_for_room(session, event.room)
            if encounter is None:
                return  # a room that is not a consultation (tests, demos): nothing to keep
            actor = encounters.actor_for_participant(event.participant, event.role)
            encounters.add_measurement(session, actor, encounter=encounter,
                                       event_id=event.id, vitals=event.vitals,
                                       participant=event.participant, name=event.name,
                                       recorded_at=event.recorded_at)
            session.commit()
        finally:
            session.rollback()
            session.close()

    def history(room: str) -> list[MeasurementEvent]:
        session = session_factory(app.state.settings.database_url)()
        try:
            encounter = _encounter_for_room(session, room)
            if encounter is None:
                return []
            return [MeasurementEvent(id=m.event_id, room=room, participant=m.participant,
                                     role=m.role, name=m.name, vitals=Vitals(**m.values),
                                     recorded_at=_paris(m.recorded_at))
                    for m in encounter.measurements]
        finally:
            session.close()

    def is_open(room: str) -> bool:
        """A consultation's room closes with it; other rooms (tests, demos) stay open."""
        session = session_factory(app.state.settings.database_url)()
        try:
            encounter = _encounter_for_room(session, room)
            return encounter is None or encounter.status == "in-progress"
        finally:
            session.close()

    on_measurement(app, persist)
    set_measurement_history(app, history)
    set_room_check(app, is_open)
    install_chat_hooks(app)


def install_chat_hooks(app: FastAPI) -> None:
    """Keep the call's chat with the consultation, and replay it to late joiners."""
    def persist(event: ChatEvent) -> None:
        session = session_factory(app.state.settings.database_url)()
        try:
            encounter = _encounter_for_room(session, event.room)
            if encounter is None:
                return  # a room that is not a consultation: the chat is only relayed
            actor = encounters.actor_for_participant(event.participant, event.role)
            exchanges.add_message(session, actor, encounter=encounter, event_id=event.id,
                                  text=event.text, participant=event.participant,
                                  role=event.role, name=event.name, sent_at=event.sent_at)
            session.commit()
        finally:
            session.rollback()
            session.close()

    def history(room: str) -> list[dict]:
        session = session_factory(app.state.settings.database_url)()
        try:
            encounter = _encounter_for_room(session, room)
            return [] if encounter is None else exchanges.chat_history(session, encounter)
        finally:
            session.close()

    on_chat(app, persist)
    set_chat_history(app, history)


def _paris(value: datetime) -> datetime:
    return value.astimezone(PARIS)
