"""Extension points of the video room for the consultation record.

The room itself keeps nothing: a measurement typed by the ETT nurse is validated,
handed to every registered hook (the consultation helper persists it in the Encounter)
and only then shown to the room, so what the doctor sees is what was recorded.  A late
joiner gets earlier entries from the history provider, when one is registered.

    from oasis.web.live.visio_hooks import on_measurement

    @on_measurement(app)
    def save(event: MeasurementEvent) -> None:   # sync hooks run in a worker thread
        ...
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from starlette.concurrency import run_in_threadpool

from oasis.care.teleconsult.vitals import Vitals, describe


@dataclass(frozen=True)
class MeasurementEvent:
    id: str
    room: str
    participant: str
    role: str
    name: str
    vitals: Vitals
    recorded_at: datetime  # tz-aware, Europe/Paris

    def to_message(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "from": {"id": self.participant, "role": self.role, "name": self.name},
            "values": self.vitals.as_dict(),
            "summary": describe(self.vitals),
            "recorded_at": self.recorded_at.isoformat(),
        }


@dataclass(frozen=True)
class ChatEvent:
    """One line of the call's text chat, already cleaned and bounded
    (:func:`oasis.care.teleconsult.exchanges.clean_text`)."""

    id: str
    room: str
    participant: str
    role: str
    name: str
    text: str
    sent_at: datetime  # tz-aware, Europe/Paris

    def to_message(self) -> dict[str, Any]:
        return {"id": self.id, "from": {"id": self.participant, "role": self.role,
                                        "name": self.name},
                "text": self.text, "sent_at": self.sent_at.isoformat(), "attachment": None}


MeasurementHook = Callable[[MeasurementEvent], Awaitable[None] | None]
HistoryProvider = Callable[[str], Awaitable[list[MeasurementEvent]] | list[MeasurementEvent]]
RoomCheck = Callable[[str], Awaitable[bool] | bool]
ChatHook = Callable[[ChatEvent], Awaitable[None] | None]
# ``chat_history(room)``: the chat so far, as the messages the room sends.
ChatHistory = Callable[[str], Awaitable[list[dict[str, Any]]] | list[dict[str, Any]]]


@dataclass
class VisioHooks:
    measurement: list[MeasurementHook] = field(default_factory=list)
    history: HistoryProvider | None = None
    # ``is_open(room)``: False once the consultation behind the room has closed, so a
    # still-valid room token no longer admits anyone.
    is_open: RoomCheck | None = None
    # A chat line is handed to every hook (the consultation keeps it) before the room
    # shows it; a late joiner gets the chat so far from ``chat_history``.
    chat: list[ChatHook] = field(default_factory=list)
    chat_history: ChatHistory | None = None


def visio_hooks(app: Any) -> VisioHooks:
    hooks = getattr(app.state, "visio_hooks", None)
    if hooks is None:
        hooks = app.state.visio_hooks = VisioHooks()
    return hooks


def on_measurement(app: Any, hook: MeasurementHook | None = None):
    """Register ``hook`` (also usable as ``@on_measurement(app)``)."""
    def register(fn: MeasurementHook) -> MeasurementHook:
        visio_hooks(app).measurement.append(fn)
        return fn
    return register(hook) if hook is not None else register


def set_measurement_history(app: Any, provider: HistoryProvider) -> None:
    """``provider(room)`` returns the room's earlier measurements, oldest first."""
    visio_hooks(app).history = provider


def on_chat(app: Any, hook: ChatHook) -> ChatHook:
    visio_hooks(app).chat.append(hook)
    return hook


def set_chat_history(app: Any, provider: ChatHistory) -> None:
    visio_hooks(app).chat_history = provider


def set_room_check(app: Any, check: RoomCheck) -> None:
    """``check(room)`` says whether the room may still be entered."""
    visio_hooks(app).is_open = check


async def call(fn: Callable[..., Any], *args: Any) -> Any:
    """Await async callables, run sync ones in a worker thread (they may hit the DB)."""
    if inspect.iscoroutinefunction(fn):
        return await fn(*args)
    result = await run_in_threadpool(fn, *args)
    return await result if inspect.isawaitable(result) else result
