"""A local SMTP server that keeps every message it receives as an .eml file.

Run as `python -m devstack.smtp_sink --host 127.0.0.1 --port P --maildir DIR`. The notifier sends
real SMTP to it; tests and people read the files (`read_messages`). Each file is written to a
dot-named temporary file and renamed, so a reader never sees half a message.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import os
import signal
import smtplib
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from .ports import LOOPBACK, free_port
from .processes import ManagedProcess, wait_until


class MaildirHandler:
    """aiosmtpd handler: one .eml per message, with the SMTP envelope as X-MailFrom / X-RcptTo."""

    def __init__(self, maildir: Path) -> None:
        self.maildir = maildir
        maildir.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        envelope_headers = (
            f"X-MailFrom: {envelope.mail_from}\r\nX-RcptTo: {', '.join(envelope.rcpt_tos)}\r\n"
        ).encode()
        # Zero-padded nanoseconds first, so sorting file names sorts by arrival.
        name = f"{time.time_ns():020d}-{uuid.uuid4().hex[:8]}.eml"
        temporary = self.maildir / f".{name}.tmp"
        temporary.write_bytes(envelope_headers + envelope.original_content)
        os.replace(temporary, self.maildir / name)
        return "250 Message accepted for delivery"


def read_messages(maildir: Path) -> list[EmailMessage]:
    """Every message in `maildir`, oldest first, parsed with the modern email API."""
    messages = []
    for path in sorted(Path(maildir).glob("*.eml")):
        with open(path, "rb") as file:
            message = email.message_from_binary_file(file, policy=email.policy.default)
        messages.append(message)  # type: ignore[arg-type]  # policy.default yields EmailMessage
    return messages


@dataclass
class SmtpSink:
    host: str
    port: int
    maildir: Path
    process: ManagedProcess

    def messages(self) -> list[EmailMessage]:
        return read_messages(self.maildir)

    def wait_for_messages(self, count: int = 1, timeout: float = 15.0) -> list[EmailMessage]:
        """At least `count` messages, waiting for them to arrive."""
        wait_until(
            lambda: len(self.messages()) >= count, timeout, f"{count} message(s) in {self.maildir}"
        )
        return self.messages()

    def stop(self, timeout: float = 10.0) -> None:
        self.process.stop(timeout=timeout)


def start_smtp_sink(workdir: Path, *, timeout: float = 20.0) -> SmtpSink:
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    maildir = workdir / "maildir"
    process = ManagedProcess(
        "smtp-sink",
        [
            sys.executable,
            "-m",
            "devstack.smtp_sink",
            "--host",
            LOOPBACK,
            "--port",
            str(port),
            "--maildir",
            maildir,
        ],
        log_path=workdir / "smtp-sink.log",
    ).start()
    sink = SmtpSink(LOOPBACK, port, maildir, process)
    try:
        process.wait_until(lambda: _answers(LOOPBACK, port), timeout, "the SMTP sink to answer")
    except BaseException:
        sink.stop()
        raise
    return sink


def _answers(host: str, port: int) -> bool:
    with smtplib.SMTP(host, port, timeout=2) as client:
        return client.noop()[0] == 250


def main(argv: list[str] | None = None) -> None:
    from aiosmtpd.controller import Controller  # only the sink process needs the server side

    parser = argparse.ArgumentParser(prog="python -m devstack.smtp_sink", description=__doc__)
    parser.add_argument("--host", default=LOOPBACK)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--maildir", type=Path, required=True)
    args = parser.parse_args(argv)

    controller = Controller(MaildirHandler(args.maildir), hostname=args.host, port=args.port)
    controller.start()
    print(f"SMTP sink on {args.host}:{args.port}, writing to {args.maildir}", flush=True)
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    stopping.wait()
    controller.stop()


if __name__ == "__main__":
    main()
