"""The finder's answer as JSON: times in Paris local ISO (with offset) and in words.

ISO strings carry their offset (``2026-03-29T13:00:00+02:00``) so a client never has
to know the French DST rules; the ``*_text`` twins are what the pages print.
"""

from __future__ import annotations

from oasis.care.finder.service import PROMISE_HOURS, PROMISE_MINUTES, CareAnswer, CareOption
from oasis.care.finder.text import local, when_text


def iso(at) -> str:
    return local(at).isoformat()


def option_dict(o: CareOption, now) -> dict:
    return {
        "rank": o.rank, "category": o.category, "title": o.title, "mode": o.mode,
        "start_at": iso(o.start_at), "start_text": o.start_text,
        "travel_minutes": o.travel_minutes, "within_30_min": o.within_30_min,
        "within_48_h": o.within_48_h, "keeps_promise": o.keeps_promise,
        "practitioner": None if o.practitioner_id is None else {
            "id": o.practitioner_id, "name": o.practitioner_name, "sector": o.sector},
        "location": None if o.location_id is None else {
            "id": o.location_id, "name": o.location_name, "kind": o.location_kind,
            "commune_code": o.commune_code, "commune_name": o.commune_name},
        "slots": [{"slot_id": s.slot_id, "start_at": iso(s.start_at), "end_at": iso(s.end_at),
                   "start_text": when_text(s.start_at, now)} for s in o.slots],
        "wait": o.wait.as_dict() if o.wait else None,
        "cost": o.cost.as_dict(),
        "parcours": o.parcours.as_dict(),
    }


def answer_dict(answer: CareAnswer, *, personalised: bool) -> dict:
    return {
        "origin": answer.place.as_dict(), "need": answer.need, "need_label": answer.need_label,
        "now": iso(answer.now), "personalised": personalised,
        "promise": {"minutes": PROMISE_MINUTES, "hours": PROMISE_HOURS,
                    "kept": answer.promise_kept},
        "options": [option_dict(o, answer.now) for o in answer.options],
    }
