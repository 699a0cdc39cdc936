"""A local stand-in for Deepgram's, Cartesia's and OpenAI's APIs that fails the way they do.

It listens on 127.0.0.1 and speaks just enough of each protocol for the LiveKit plugins to
get as far as a real outage lets them:

- "refuse": the request is answered 401 with the provider's JSON error body (a revoked key);
- "error": the websocket is accepted, then the provider fails mid-stream (Deepgram closes
  with 1011 and a NET-0000 reason, Cartesia sends an `{"type": "error"}` message);
- "hang": the connection is accepted and never answered (a provider that times out);
- "serve": Cartesia is healthy again and answers with a short tone (a provider that recovers).

`mode` can change while the server runs. Every request is recorded, so a test can show the cloud engine was really tried.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Literal

from aiohttp import WSCloseCode, WSMsgType, web

Mode = Literal["refuse", "error", "hang", "serve"]
MODES: tuple[Mode, ...] = ("refuse", "error", "hang")


@dataclass
class FakeProviders:
    mode: Mode
    requests: list[str] = field(default_factory=list)
    _runner: web.AppRunner | None = None
    port: int = 0

    @property
    def deepgram_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1/listen"

    @property
    def cartesia_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def openai_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def tried(self, provider: str) -> int:
        return sum(1 for path in self.requests if path.startswith(provider))

    async def start(self) -> FakeProviders:
        app = web.Application()
        app.router.add_route("*", "/v1/listen", self._deepgram)
        app.router.add_route("*", "/tts/websocket", self._cartesia_ws)
        app.router.add_route("*", "/tts/bytes", self._cartesia_bytes)
        app.router.add_route("*", "/v1/chat/completions", self._openai)
        self._runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _hang(self) -> web.StreamResponse:
        await asyncio.sleep(3600)
        raise AssertionError("unreachable")

    async def _deepgram(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(f"deepgram {request.method} {request.path}")
        if self.mode == "hang":
            return await self._hang()
        if self.mode == "refuse" or not request.headers.get("Upgrade"):
            body = {
                "err_code": "INVALID_AUTH",
                "err_msg": "Invalid credentials.",
                "request_id": "0",
            }
            if self.mode == "error":  # the batch endpoint has no stream to fail mid-way
                body = {"err_code": "INTERNAL_SERVER_ERROR", "err_msg": "Internal error."}
                return web.json_response(body, status=500)
            return web.json_response(body, status=401)
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.receive()  # the first audio, then the failure
        await ws.close(
            code=WSCloseCode.INTERNAL_ERROR,
            message=b'{"type":"Error","description":"internal error","variant":"NET-0000"}',
        )
        return ws

    async def _cartesia_ws(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(f"cartesia {request.method} {request.path}")
        if self.mode == "hang":
            return await self._hang()
        if self.mode == "refuse":
            return web.json_response({"error": "Invalid API key"}, status=401)
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        async for message in ws:
            if message.type != WSMsgType.TEXT:
                continue
            request_body = json.loads(message.data)
            context = request_body.get("context_id")
            if self.mode == "serve":
                if not request_body.get("continue", True):  # the end of this utterance
                    await ws.send_str(json.dumps({"type": "chunk", "data": _TONE, **_ctx(context)}))
                    await ws.send_str(json.dumps({"type": "done", **_ctx(context), "done": True}))
                continue
            await ws.send_str(
                json.dumps(
                    {
                        "type": "error",
                        "context_id": context,
                        "status_code": 500,
                        "done": True,
                        "error": "internal server error",
                    }
                )
            )
        return ws

    async def _cartesia_bytes(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(f"cartesia {request.method} {request.path}")
        if self.mode == "hang":
            return await self._hang()
        status = 401 if self.mode == "refuse" else 500
        return web.json_response({"error": "unavailable"}, status=status)

    async def _openai(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(f"openai {request.method} {request.path}")
        if self.mode == "hang":
            return await self._hang()
        if self.mode == "refuse":
            error = {
                "message": "Incorrect API key provided.",
                "type": "invalid_request_error",
                "code": "invalid_api_key",
            }
            return web.json_response({"error": error}, status=401)
        error = {"message": "The server had an error.", "type": "server_error", "code": None}
        return web.json_response({"error": error}, status=500)


def _ctx(context: str | None) -> dict[str, object]:
    return {"context_id": context, "status_code": 206, "done": False}


def _tone() -> str:
    """0.2 s of a 440 Hz tone, as Cartesia's default 24 kHz 16-bit PCM in base64."""
    import base64
    import math
    import struct

    samples = [int(8000 * math.sin(2 * math.pi * 440 * i / 24_000)) for i in range(4800)]
    return base64.b64encode(struct.pack(f"<{len(samples)}h", *samples)).decode()


_TONE = _tone()
