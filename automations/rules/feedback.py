""" "You said, we did" rules: feedback visibly changes things, and people are told what changed
(seed 003). The tab is optional (issue 31)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from automations.core.config import TorConfig
from automations.core.findings import Finding, Severity
from automations.core.text import long_date, plural
from automations.model.board import Board
from automations.model.record_tabs import personal_source
from automations.rules import rule

E, W = Severity.ERROR, Severity.WARNING


@rule(
    "tor.feedback.no_response",
    W,
    'A "you said" item has no "we did" (or reason) long after it was heard.',
    needs=("you_said_we_did.we_did",),
)
def no_response(board: Board, tor: TorConfig, today: dt.date) -> Iterator[Finding]:
    for f in board.you_said_we_did.records:
        if f.answered or f.we_did or f.reason or f.date_heard is None:
            continue
        days = (today - f.date_heard).days
        if days > tor.feedback_response_days:
            yield board.you_said_we_did.finding(
                W,
                f"Item {f.id} was heard on {long_date(f.date_heard)}, {plural(days, 'day')} ago, "
                f"and has no answer yet. Within {plural(tor.feedback_response_days, 'day')} "
                "write what we did or will do, or why it is not possible.",
                f,
                "we_did",
            )


@rule(
    "tor.feedback.not_told_back",
    W,
    'What was done about a "you said" item has not been told back to people.',
    needs=("you_said_we_did.told_back_on", "you_said_we_did.status"),
)
def not_told_back(board: Board, tor: TorConfig, today: dt.date) -> Iterator[Finding]:
    for f in board.you_said_we_did.records:
        since = f.done_on or f.date_heard
        if not f.answered or f.told_back_on or since is None:
            continue
        days = (today - since).days
        if days > tor.feedback_tell_back_days:
            yield board.you_said_we_did.finding(
                W,
                f"Item {f.id} is {f.status!r} since {long_date(since)}, {plural(days, 'day')} "
                "ago, but nobody has been told. Tell the people who raised it (a newsletter, "
                "the group's next meeting, the website), then put the date in Told back on.",
                f,
                "told_back_on",
            )


@rule(
    "tor.feedback.no_reason",
    W,
    'A "you said" item is marked not possible with no reason given.',
    needs=("you_said_we_did.status",),
)
def no_reason(board: Board, tor: TorConfig, today: dt.date) -> Iterator[Finding]:
    table = board.you_said_we_did
    for f in table.records:
        if f.status == "Not possible" and not (f.reason or f.we_did):
            where = "reason" if table.has("reason") else "we_did"
            yield table.finding(
                W,
                f"Item {f.id} is marked not possible, with no reason. People who gave their "
                "views deserve to know why: write the reason.",
                f,
                where,
            )


@rule(
    "tor.feedback.told_back_before_heard",
    E,
    'A "you said" item was told back before it was heard.',
    needs=("you_said_we_did.told_back_on", "you_said_we_did.date_heard"),
)
def told_back_before_heard(board: Board, tor: TorConfig, today: dt.date) -> Iterator[Finding]:
    for f in board.you_said_we_did.records:
        if f.told_back_on and f.date_heard and f.told_back_on < f.date_heard:
            yield board.you_said_we_did.finding(
                E,
                f"Item {f.id} was told back on {long_date(f.told_back_on)}, before it was heard "
                f"on {long_date(f.date_heard)}. One of the two dates is wrong: correct it.",
                f,
                "told_back_on",
            )


@rule(
    "tor.feedback.source_personal",
    W,
    'The "source" of a "you said" item names a private person.',
    needs=("you_said_we_did.source",),
)
def source_personal(board: Board, tor: TorConfig, today: dt.date) -> Iterator[Finding]:
    for f in board.you_said_we_did.records:
        why = personal_source(board, f.source)
        if why:
            yield board.you_said_we_did.finding(
                W,
                f"The Source of item {f.id} looks personal: {why}. Items are published on the "
                "public page, so name the conversation or the group (for example the "
                "engagement's Ref, or \"carers' forum\"), never a person. The public page "
                "leaves this cell out until then.",
                f,
                "source",
            )
