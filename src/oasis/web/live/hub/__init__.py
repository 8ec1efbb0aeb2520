"""Real-time hub for the web app: pub/sub on named channels plus presence groups.

``make_hub(settings)`` picks the backend: Redis when ``REDIS_URL`` is set (several app
workers then see each other's messages), in-process otherwise.  Inside the app, use
``get_hub(app)`` (or ``request.app`` / ``websocket.app``): one hub per app, created on
first use in the app's event loop and closed at shutdown.

    async with hub.subscribe("queue:42") as sub:
        await hub.publish("queue:42", {"position": 3})
        message = await sub.get(timeout=5)
"""

from __future__ import annotations

from fastapi import FastAPI

from oasis.config import Settings
from oasis.web.live.hub.base import (
    GroupFullError,
    Hub,
    HubError,
    Message,
    Subscription,
    SubscriptionOverflow,
)
from oasis.web.live.hub.memory import InProcessHub


def make_hub(settings: Settings, prefix: str = "oasis:") -> Hub:
    """A fresh hub for ``settings`` (Redis when ``settings.redis_url`` is set)."""
    if settings.redis_url:
        from oasis.web.live.hub.redis_hub import RedisHub

        return RedisHub(settings.redis_url, prefix=prefix)
    return InProcessHub()


def get_hub(app: FastAPI) -> Hub:
    """The app's hub, created on first use (inside the serving event loop)."""
    hub = getattr(app.state, "hub", None)
    if hub is None:
        hub = make_hub(app.state.settings, prefix=getattr(app.state, "hub_prefix", "oasis:"))
        app.state.hub = hub

        async def close_hub() -> None:
            app.state.hub = None
            await hub.close()

        app.router.on_shutdown.append(close_hub)
    return hub


__all__ = [
    "GroupFullError",
    "Hub",
    "HubError",
    "InProcessHub",
    "Message",
    "Subscription",
    "SubscriptionOverflow",
    "get_hub",
    "make_hub",
]
