"""A naive WebSocket fan-out baseline for `benchmarks.sh fanout`.

Replays one delta captured from the real backend (`load-test --ws-capture`)
to every subscribed client at 4 Hz, with a fresh `sealedAt` and cursor each
tick: serialised once, handed to every socket with `websockets.broadcast`.
It speaks just enough of the protocol (hello, subscribe -> subscribed,
/healthz) for `load-test --server` to measure it like the backend.

    python naive_broadcast.py CAPTURE PORT
"""

import asyncio
import json
import sys
import time
from datetime import datetime, timezone
from http import HTTPStatus

from websockets.asyncio.server import broadcast, serve
from websockets.exceptions import ConnectionClosed

TICK_S = 0.25
subscribed = set()
state = {"cursor": 0}


def now_ms():
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def captured(path):
    """The first hello and the first delta carrying updates in the capture."""
    messages = [json.loads(line) for line in open(path) if line.strip()]
    hello = next(m for m in messages if m.get("type") == "hello")
    delta = next(m for m in messages if m.get("type") == "delta" and m.get("updates"))
    return hello, delta


def health(connection, request):
    if request.path == "/healthz":
        body = {"status": "ok", "version": "naive", "run": "naive", "uptimeSeconds": 0,
                "simulator": False, "cursor": state["cursor"], "sessions": len(subscribed)}
        return connection.respond(HTTPStatus.OK, json.dumps(body))
    if request.path != "/ws":
        return connection.respond(HTTPStatus.NOT_FOUND, "not found\n")
    return None


async def session(ws, hello):
    await ws.send(json.dumps(dict(hello, serverTime=now_ms(), cursor=state["cursor"])))
    try:
        async for text in ws:
            try:
                message = json.loads(text)
            except ValueError:
                continue
            if isinstance(message, dict) and message.get("type") == "subscribe":
                await ws.send(json.dumps({"type": "subscribed", "cursor": state["cursor"], "tickMs": 250}))
                subscribed.add(ws)
    except ConnectionClosed:
        pass  # the load test ends by dropping its sockets
    finally:
        subscribed.discard(ws)


async def main(path, port):
    hello, delta = captured(path)
    async with serve(lambda ws: session(ws, hello), "127.0.0.1", port, process_request=health,
                     compression=None, max_queue=16):
        next_tick = time.monotonic()
        while True:
            next_tick += TICK_S
            await asyncio.sleep(max(0.0, next_tick - time.monotonic()))
            after, state["cursor"] = state["cursor"], state["cursor"] + len(delta["updates"])
            frame = dict(delta, cursor=state["cursor"], after=after, sealedAt=now_ms())
            broadcast(subscribed, json.dumps(frame, separators=(",", ":")))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
