"""Get a row by primary key or raise the domain's NotFound, in one line.

Every service needs « this id, or a 404 with a French sentence and a stable code »;
writing the ``session.get`` / ``if None: raise`` pair by hand in each left the messages
and codes drifting apart.
"""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy.orm import Session

from oasis.care.core.errors import NotFound
from oasis.care.core.inputs import is_id

T = TypeVar("T")


def get_or_raise(session: Session, model: type[T], ident: object, message: str,
                 code: str = "not_found", **options) -> T:
    """``session.get(model, ident)``, or :class:`NotFound` (``message``, ``code``)."""
    if isinstance(ident, int) and not is_id(ident):  # beyond any stored id: no row
        raise NotFound(message, code=code)
    row = session.get(model, ident, **options)
    if row is None:
        raise NotFound(message, code=code)
    return row
