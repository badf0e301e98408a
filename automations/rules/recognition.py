"""Recognition rules: Reciprocity, "getting something back for putting something in" (Terms
of Reference "Principles"). The Recognition tab is optional (issue 31)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from automations.core.config import TorConfig
from automations.core.findings import Finding, Severity
from automations.core.text import long_date, plural
from automations.model.board import Board
from automations.model.record_tabs import lived_experience_person
from automations.rules import rule

E, W = Severity.ERROR, Severity.WARNING


@rule(
    "tor.recognition.missing",
    W,
    "Time a resident or carer gave has had no recognition for too long.",
    needs=("recognition.kind",),
)
def missing(board: Board, tor: TorConfig, today: dt.date) -> Iterator[Finding]:
    for r in board.recognition.records:
        if r.date is None or r.kind == "Expenses":  # expenses have their own rule
            continue
        if r.kind and r.status != "Owed":
            continue
        if not lived_experience_person(board, r.person, r.taking_part_as):
            continue
        days = (today - r.date).days
        if days > tor.recognition_days:
            state = "is still owed" if r.kind else "has no recognition recorded"
            yield board.recognition.finding(
                W,
                f"Time given on {long_date(r.date)} ({plural(days, 'day')} ago) {state}. The "
                "Terms of Reference promise something back for putting something in: thanks, "
                "a certificate, training, a voucher or a payment. Record what was given.",
                r,
                "kind",
            )


@rule(
    "tor.recognition.expenses_owed",
    W,
    "Expenses have been owed for too long.",
    needs=("recognition.kind", "recognition.status"),
)
def expenses_owed(board: Board, tor: TorConfig, today: dt.date) -> Iterator[Finding]:
    for r in board.recognition.records:
        if r.kind != "Expenses" or r.status != "Owed" or r.date is None:
            continue
        days = (today - r.date).days
        if days > tor.expenses_days:
            yield board.recognition.finding(
                W,
                f"Expenses from {long_date(r.date)} have been owed for {plural(days, 'day')}, "
                f"longer than {plural(tor.expenses_days, 'day')}. Being out of pocket stops "
                "people taking part: pay them, then set Status to Given.",
                r,
                "status",
            )


@rule(
    "tor.recognition.amount",
    E,
    "An amount of money, or of hours given, is below zero.",
    needs=("recognition.amount",),
)
def amount(board: Board, tor: TorConfig, today: dt.date) -> Iterator[Finding]:
    for r in board.recognition.records:
        if r.amount is not None and r.amount < 0:
            yield board.recognition.finding(
                E,
                f"Amount: {r.amount:g} is below zero. Write the amount given or owed as a "
                "positive number.",
                r,
                "amount",
            )
    for r in board.recognition.records:
        if r.hours is not None and r.hours < 0:
            yield board.recognition.finding(
                E,
                f"Hours: {r.hours:g} is below zero. Write the time given as a positive number.",
                r,
                "hours",
            )
