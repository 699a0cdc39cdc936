"""A stand-in for a LiveKit server's agent endpoint on 127.0.0.1: it speaks the worker
protocol (protobuf messages over a websocket at /agent) far enough for a real
`fitcoach worker start` to register and report its status, and keeps what the worker said.

No room is served: jobs in tests come from the framework's simulated jobs instead.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web
from livekit.protocol import agent, models


@dataclass
class FakeLiveKit:
    registrations: list[agent.RegisterWorkerRequest] = field(default_factory=list)
    statuses: list[agent.UpdateWorkerStatus] = field(default_factory=list)
    registered: asyncio.Event = field(default_factory=asyncio.Event)
    port: int = 0
    _runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    async def start(self) -> FakeLiveKit:
        app = web.Application()
        app.router.add_get("/agent", self._agent)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _agent(self, request: web.Request) -> Any:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        async for message in ws:
            if message.type != WSMsgType.BINARY:
                continue
            worker_message = agent.WorkerMessage()
            worker_message.ParseFromString(message.data)
            which = worker_message.WhichOneof("message")
            if which == "register":
                self.registrations.append(worker_message.register)
                reply = agent.ServerMessage()
                reply.register.worker_id = f"W_fake_{len(self.registrations)}"
                reply.register.server_info.CopyFrom(
                    models.ServerInfo(edition=models.ServerInfo.Standard, version="fake")
                )
                await ws.send_bytes(reply.SerializeToString())
                self.registered.set()
            elif which == "update_worker":
                self.statuses.append(worker_message.update_worker)
        return ws
