"""Company e-mail addresses: free and consumer mail domains (a maintained list in
``free_mail_domains.txt`` plus a form's own ``free_domains``) are refused. Pure."""
from __future__ import annotations

import functools
from pathlib import Path
from typing import Iterable

LIST = Path(__file__).with_name("free_mail_domains.txt")


@functools.lru_cache(maxsize=1)
def free_mail_domains() -> frozenset[str]:
    lines = LIST.read_text(encoding="utf-8").splitlines()
    return frozenset(s.strip().lower() for s in lines if s.strip() and not s.lstrip().startswith("#"))


def mail_domain(address: str) -> str:
    return address.rpartition("@")[2].strip().lower().rstrip(".") if "@" in address else ""


def free_mail_domain(address: str, extra: Iterable[str] = ()) -> str | None:
    """The free-mail domain ``address`` uses (``mail.qq.com`` counts as ``qq.com``), or None."""
    domain = mail_domain(address)
    if not domain:
        return None
    known = free_mail_domains() | {d.lower() for d in extra}
    parts = domain.split(".")
    for i in range(len(parts) - 1):
        candidate = ".".join(parts[i:])
        if candidate in known:
            return candidate
    return None
