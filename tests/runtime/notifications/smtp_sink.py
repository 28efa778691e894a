"""An aiosmtpd handler for tests: every message lands as ``<n>.eml`` (+ ``<n>.json`` envelope) in a
folder; run as ``python -m aiosmtpd -n -l 127.0.0.1:PORT -c tests.runtime.notifications.smtp_sink.Sink DIR``."""
from __future__ import annotations

import json
import os
from pathlib import Path


class Sink:
    def __init__(self, folder: str) -> None:
        self.folder = Path(folder)
        self.count = 0

    @classmethod
    def from_cli(cls, parser, *args):  # noqa: ANN001 - aiosmtpd's hook
        if len(args) != 1:
            parser.error("Sink takes one argument: the folder to write messages to")
        return cls(args[0])

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: ANN001
        self.count += 1
        stem = self.folder / f"{self.count:04d}"
        meta = {"mail_from": envelope.mail_from, "rcpt_tos": list(envelope.rcpt_tos)}
        stem.with_suffix(".json").write_text(json.dumps(meta))
        tmp = stem.with_suffix(".tmp")
        tmp.write_bytes(envelope.original_content or envelope.content)
        os.replace(tmp, stem.with_suffix(".eml"))  # the .eml appears whole
        return "250 Message accepted"
