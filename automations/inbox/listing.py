"""`coprod updates` as text: one block per answer, what it would change and what became of it.
Words from mail are shown on one line each, without control characters (a terminal escape in
a message must not reach the officer's terminal)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from automations.inbox.proposals import Stored
from automations.inbox.propose import Proposal

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]+")
KINDS = {
    "done": "Done",
    "started": "Started, on track",
    "more_time": "Needs more time",
    "help": "Needs help",
    "reply": "Replied to the reminder",
}


def clean(text: str, limit: int = 200) -> str:
    one = " ".join(_CONTROL.sub(" ", text).split())
    return one if len(one) <= limit else one[: limit - 1] + "…"


def describe(p: Proposal, pid: int | None = None) -> list[str]:
    head = f"#{pid} " if pid is not None else ""
    who = clean(p.sender_name or p.sender or "(no sender)", 80)
    what = KINDS.get(p.kind, "(no answer)")
    lines = [
        f"{head}{p.received:%Y-%m-%d %H:%M}  {who}  {clean(p.action_id, 40) or '-'}  {what}  "
        f"[{p.state}]"
    ]
    changes = [
        f"{name} -> {value}"
        for name, value in (
            ("Status", p.status),
            ("Due", p.due),
            ("Completed on", p.completed_on),
        )
        if value is not None
    ]
    if changes:
        lines.append("    would change: " + "; ".join(map(str, changes)))
    if p.words:
        lines.append(f"    said: {clean(p.words)}")
    if p.reason:
        lines.append(f"    note: {clean(p.reason, 300)}")
    return lines


def render(items: Iterable[Stored]) -> str:
    out: list[str] = []
    for s in items:
        out += describe(s.proposal, s.id)
        for c in s.written:
            old, new = clean(c["old"], 60) or "(blank)", clean(c["new"], 60)
            out.append(f"    wrote {c['column']}: {old} -> {new} ({c['approved_by']})")
    return "\n".join(out) if out else "No answers recorded yet."
