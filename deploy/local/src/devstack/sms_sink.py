"""A local stand-in for an SMS provider's HTTP API (Twilio-shaped), so nothing real is ever sent.

`python -m devstack.sms_sink --port P --outbox FILE` accepts
`POST /2010-04-01/Accounts/{sid}/Messages.json` (form fields To, From, Body; basic auth) and
appends each message as a JSON line to FILE. Like providers with idempotent sends, a request whose
`Idempotency-Key` was seen before is answered with the first message and sends nothing new.
Test controls: `POST /control/outage` with `{"down": true}` makes it answer 503 until turned off
again (a provider outage); `POST /control/delay` with `{"seconds": 5, "matching": "REF-1"}` makes
it answer messages containing that text that much later, after taking them (so a test can crash
the caller before it hears back).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from uuid import uuid4

import httpx
import uvicorn
from fastapi import FastAPI, Form, HTTPException, Request

from .ports import LOOPBACK, free_port
from .processes import ManagedProcess


def sink_app(outbox: Path) -> FastAPI:
    app = FastAPI(title="SMS sink")
    state: dict = {"down": False, "delay": 0.0, "matching": ""}
    sent_by_key: dict[str, str] = {}

    @app.post("/2010-04-01/Accounts/{account_sid}/Messages.json", status_code=201)
    async def send(account_sid: str, request: Request, To: str = Form(), From: str = Form(),  # noqa: N803
                   Body: str = Form()) -> dict[str, str]:  # noqa: N803
        if state["down"]:
            raise HTTPException(503, "provider outage (simulated)")
        if not request.headers.get("authorization", "").startswith("Basic "):
            raise HTTPException(401, "basic auth required")
        key = request.headers.get("idempotency-key")
        if key and key in sent_by_key:
            return {"sid": sent_by_key[key], "status": "queued"}
        sid = f"SM{uuid4().hex}"
        if key:
            sent_by_key[key] = sid
        with outbox.open("a", encoding="utf-8") as file:
            file.write(json.dumps({"sid": sid, "account": account_sid, "to": To, "from": From, "body": Body}) + "\n")
        if state["matching"] in Body:
            await asyncio.sleep(state["delay"])
        return {"sid": sid, "status": "queued"}

    @app.post("/control/outage")
    async def outage(body: dict[str, bool]) -> dict:
        state["down"] = bool(body.get("down"))
        return state

    @app.post("/control/delay")
    async def delay(body: dict[str, float | str]) -> dict:
        state["delay"], state["matching"] = float(body.get("seconds", 0)), str(body.get("matching", ""))
        return state

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "alive"}

    return app


def read_sms(outbox: Path) -> list[dict[str, str]]:
    if not outbox.exists():
        return []
    return [json.loads(line) for line in outbox.read_text(encoding="utf-8").splitlines() if line.strip()]


@dataclass
class SmsSink:
    url: str
    outbox: Path
    process: ManagedProcess

    def messages(self) -> list[dict[str, str]]:
        return read_sms(self.outbox)

    def set_outage(self, down: bool) -> None:
        httpx.post(f"{self.url}/control/outage", json={"down": down}, timeout=5).raise_for_status()

    def set_delay(self, seconds: float, matching: str = "") -> None:
        """Answer messages whose body contains `matching` `seconds` late (0: answer at once again)."""
        body = {"seconds": seconds, "matching": matching}
        httpx.post(f"{self.url}/control/delay", json=body, timeout=5).raise_for_status()

    def stop(self, timeout: float = 10.0) -> None:
        self.process.stop(timeout=timeout)


def start_sms_sink(workdir: Path, *, timeout: float = 20.0) -> SmsSink:
    workdir.mkdir(parents=True, exist_ok=True)
    port, outbox = free_port(), workdir / "sms.jsonl"
    process = ManagedProcess(
        "sms-sink", [sys.executable, "-m", "devstack.sms_sink", "--port", str(port), "--outbox", str(outbox)],
        log_path=workdir / "sms-sink.log",
    ).start()
    sink = SmsSink(f"http://{LOOPBACK}:{port}", outbox, process)
    try:
        process.wait_until(lambda: _answers(sink.url), timeout, "the SMS sink to answer")
    except Exception:
        sink.stop()
        raise
    return sink


def _answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/health", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--outbox", type=Path, required=True)
    args = parser.parse_args(argv)
    args.outbox.parent.mkdir(parents=True, exist_ok=True)
    print(f"SMS sink on {LOOPBACK}:{args.port}, writing to {args.outbox}", flush=True)
    uvicorn.run(sink_app(args.outbox), host=LOOPBACK, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
