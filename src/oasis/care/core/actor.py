"""The actor every service call runs as: who is asking, in which role.

Services take an :class:`Actor` rather than an account or a request, so the same rule
runs for the API, the pages, the CLI, the demo loader and background jobs
(:meth:`Actor.system`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    """The authenticated account a service call runs for; ``system`` for internal jobs."""

    account_id: int | None
    role: str
    patient_id: int | None = None
    practitioner_id: int | None = None
    staff_id: int | None = None
    location_id: int | None = None  # nurses: their site
    # Set only for an actor read from a signed token and NOT yet checked against its
    # account (see ``accounts.token_actor``): the token's version, which the one service
    # that accepts such an actor (``booking.book``) checks inside its own statement.
    token_version: int | None = None

    @classmethod
    def system(cls) -> Actor:
        return cls(account_id=None, role="system")

    @property
    def is_staff_reader(self) -> bool:
        return self.role in ("practitioner", "nurse")
