"""A small signalling client for the tests: real websockets against a LiveServer."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from oasis.web.kit.rooms import issue_token


class Peer:
    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws

    @classmethod
    async def join(cls, base_ws_url: str, secret: str, room: str, participant: str,
                   role: str, name: str = "", token: str | None = None) -> Peer:
        token = token if token is not None else issue_token(secret, room, participant, role,
                                                            name=name)
        return cls(await connect(f"{base_ws_url}/ws/visio/{room}?token={token}"))

    async def recv(self, timeout: float = 5.0) -> dict[str, Any]:
        return json.loads(await asyncio.wait_for(self.ws.recv(), timeout))

    async def expect(self, kind: str, timeout: float = 5.0) -> dict[str, Any]:
        message = await self.recv(timeout)
        assert message["type"] == kind, message
        return message

    async def silent(self, timeout: float = 0.3) -> None:
        """Nothing arrives within ``timeout`` seconds."""
        try:
            message = await asyncio.wait_for(self.ws.recv(), timeout)
        except TimeoutError:
            return
        raise AssertionError(f"unexpected message {message}")

    async def send(self, **message: Any) -> None:
        await self.ws.send(json.dumps(message))

    async def closed_with(self, timeout: float = 5.0) -> int:
        """Drain until the server closes; the close code."""
        try:
            while True:
                await asyncio.wait_for(self.ws.recv(), timeout)
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else 1006

    async def close(self) -> None:
        await self.ws.close()
