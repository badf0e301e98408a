"""Membership rules (Terms of Reference: Members; Nomination and Selection Process)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator

from automations.core.config import TorConfig
from automations.core.findings import Finding, Severity
from automations.core.text import add_months, long_date, plural
from automations.model.board import COMMISSIONER_CHAIR, RESIDENT_CHAIR, Board, Member
from automations.model.tor import CHAIR_WORDS, RESIDENT_VOICES, STAFF, balance_counts, term_end
from automations.rules import rule

E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO
SINGLE_SEATS = (
    "JPB representative",
    "Disability Action Haringey",
    "Reference group",
    "Self-advocacy group",
    "ICB",
    "Elected member",
)
SEAT_WORDS = {
    "JPB representative": "Joint Partnership Board (JPB) representative",
    "ICB": "Integrated Care Board (ICB) representative",
}


def _names(members: list[Member]) -> str:
    return ", ".join(m.label for m in members)


@rule(
    "tor.members.cap",
    E,
    "More active members than the Terms of Reference allow.",
    needs=("members.role",),
)
def cap(board: Board, tor: TorConfig, today: dt.date) -> Iterator[Finding]:
    active = board.active_members(today)
    if len(active) > tor.max_members:
        over = active[tor.max_members]
        yield board.members.finding(
            E,
            f"The Board has {len(active)} active members. The Terms of Reference allow "
            f"{tor.max_members}, including the two co-chairs. {over.label} (this row) is "
            f"member number {tor.max_members + 1}. Put a date in Left for anyone who has "
            "stepped down, or agree with the co-chairs who could join a sub-group instead.",
            over,
            "role",
        )


@rule(
    "tor.cochairs.count",
    E,
    "Not exactly one active resident co-chair and one active commissioner co-chair.",
    needs=("members.role",),
)
def cochair_count(board: Board, tor: TorConfig, today: dt.date) -> Iterator[Finding]:
    for role, words in CHAIR_WORDS.items():
        holders = _cochairs(board, today, role)
        if not holders:
            yield board.members.finding(
                E,
                f"There is no active {words}. The Terms of Reference say the Board has two "
                "co-chairs: one resident and one from the Commissioning Team. Set Role to "
                f"{role!r} for the person the Board voted in.",
                None,
                "role",
            )
        for extra in holders[1:]:
            yield board.members.finding(
                E,
                f"There are {len(holders)} active {words}s ({_names(holders)}). The Terms of "
                f"Reference allow one. Change the Role of anyone who is no longer {words} "
                "to 'Member', or put a date in Left.",
                extra,
                "role",
            )


def _cochairs(board: Board, today: dt.date, role: str) -> list[Member]:
    return [m for m in board.active_members(today) if m.role == role]


ELIGIBLE = {
    RESIDENT_CHAIR: (RESIDENT_VOICES, "a resident who uses adult social care services"),
    COMMISSIONER_CHAIR: (STAFF, "a member of the Commissioning Team"),
}


def _ineligible(board: Board, today: dt.date, role: str) -> Iterator[Finding]:
    allowed, who = ELIGIBLE[role]
    for m in _cochairs(board, today, role):
        if m.category and m.category not in allowed:
            yield board.members.finding(
                E,
                f"{m.label} is the {CHAIR_WORDS[role]} but their Category is {m.category!r}. "
                f"The Terms of Reference say this co-chair is {who}. Check the Category "
                f"({' or '.join(allowed)}), or the Role.",
                m,
                "category",
            )


@rule(
    "tor.cochairs.resident_eligibility",
    E,
    "The resident co-chair is not recorded as a resident, carer or advocate.",
    needs=("members.role", "members.category"),
)
def resident_eligibility(board: Board, tor: TorConfig, today: dt.date) -> Iterator[Finding]:
    return _ineligible(board, today, RESIDENT_CHAIR)


@rule(
    "tor.cochairs.commissioner_eligibility",
    E,
    "The commissioner co-chair is not recorded as staff or a council officer.",
    needs=("members.role", "members.category"),
)
def commissioner_eligibility(board: Board, tor: TorConfig, today: dt.date) -> Iterator[Finding]:
    return _ineligible(board, today, COMMISSIONER_CHAIR)


@rule(
    "tor.cochairs.chairs_other_group",
    E,
    "The resident co-chair also chairs a self-advocacy, carers' or provider group.",
    needs=("members.role", "members.chairs_other_group"),
)
def chairs_other_group(board: Board, tor: TorConfig, today: dt.date) -> Iterator[Finding]:
    for m in _cochairs(board, today, RESIDENT_CHAIR):
        if m.chairs_other_group:
            yield board.members.finding(
                E,
                f"{m.label} is the resident co-chair and also chairs another group. The "
                "selection rules say the resident co-chair should not currently chair a "
                "self-advocacy, carers' or provider group. The co-chairs should agree what "
                "to do, and then update this cell.",
                m,
                "chairs_other_group",
            )


@rule(
    "tor.cochairs.term",
    W,
    "A co-chair's term is ending soon (warning) or has ended (error).",
    needs=("members.role", "members.term_start"),
)
def cochair_term(board: Board, tor: TorConfig, today: dt.date) -> Iterator[Finding]:
    for m in board.active_members(today):
        if not m.is_cochair:
            continue
        words = CHAIR_WORDS[m.role]  # type: ignore[index]
        end = term_end(m, tor)
        if end is None:
            yield board.members.finding(
                E,
                f"{m.label} is {words} but Term start is blank, so nobody can tell when the "
                "term ends. Enter the date the Board voted them in.",
                m,
                "term_start",
            )
            continue
        left = (end - today).days
        length = _term_words(m, tor)
        if left <= 0:
            yield board.members.finding(
                E,
                f"{m.label}'s term as {words} ended on {long_date(end)} ({length}). The Board "
                "needs to vote: re-elect, extend where the Terms of Reference allow it, or "
                "choose someone new; then update Term start.",
                m,
                "term_start",
            )
        elif left <= tor.term_warning_days:
            yield board.members.finding(
                W,
                f"{m.label}'s term as {words} ends on {long_date(end)}, in "
                f"{plural(left, 'day')} ({length}). Plan the vote at a meeting before then.",
                m,
                "term_start",
            )


def _term_words(m: Member, tor: TorConfig) -> str:
    if m.role == RESIDENT_CHAIR:
        extra = (
            f", extended by {plural(tor.resident_extension_months, 'month')}"
            if m.term_extended
            else ""
        )
        return f"a {tor.resident_term_months}-month term{extra}"
    return f"a {tor.commissioner_term_months}-month term"


@rule(
    "tor.members.balance",
    W,
    "Residents, carers and staff are out of balance (error when staff outnumber "
    "residents and carers together).",
    needs=("members.category",),
)
def balance(board: Board, tor: TorConfig, today: dt.date) -> Iterator[Finding]:
    active = board.active_members(today)
    residents, carers, staff = balance_counts(active)
    carer_words = plural(carers, "carer or advocate", "carers or advocates")
    counts = (
        f"{plural(residents, 'resident')}, {carer_words} "
        f"and {plural(staff, 'member')} of health and social care staff or council officers"
    )
    if residents + carers < staff:
        yield board.members.finding(
            E,
            f"Among active members there are {counts}. Residents and carers together are "
            "fewer than staff. The Terms of Reference ask the co-chairs to keep a balance so "
            "that the voice of the resident is equally represented. Invite more residents or "
            "carers to join.",
            None,
            "category",
        )
    elif max(residents, carers, staff) - min(residents, carers, staff) > tor.balance_tolerance:
        yield board.members.finding(
            W,
            f"Among active members there are {counts}. These differ by more than "
            f"{tor.balance_tolerance}. The Terms of Reference ask the co-chairs to keep a "
            "balance of membership. Think about who to invite next.",
            None,
            "category",
        )


@rule(
    "tor.members.one_per_org",
    W,
    "Two or more active members hold the same one-per-organisation seat.",
    needs=("members.seat", "members.organisation"),
)
def one_per_org(board: Board, tor: TorConfig, today: dt.date) -> Iterator[Finding]:
    groups: dict[tuple[str, str], list[Member]] = defaultdict(list)
    for m in board.active_members(today):
        if m.seat in SINGLE_SEATS:
            groups[(m.seat, " ".join((m.organisation or "").split()).casefold())].append(m)
    for (seat, _), members in groups.items():
        first = members[0]
        org = f" for {first.organisation}" if first.organisation else ""
        for other in members[1:]:
            yield board.members.finding(
                W,
                f"{other.label} and {first.label} both hold the "
                f"{SEAT_WORDS.get(seat, seat)} seat{org}. The Terms of Reference allow one "
                "representative from each organisation. Agree who holds the seat.",
                other,
                "organisation",
            )


@rule(
    "tor.members.jpb_overlap",
    E,
    "The Joint Partnership Board representative is also a co-chair.",
    needs=("members.seat", "members.role"),
)
def jpb_overlap(board: Board, tor: TorConfig, today: dt.date) -> Iterator[Finding]:
    for m in board.active_members(today):
        if m.seat == "JPB representative" and m.is_cochair:
            yield board.members.finding(
                E,
                f"{m.label} is both the Joint Partnership Board (JPB) representative and a "
                "co-chair. The Terms of Reference say the JPB representative must not overlap "
                "with the co-chair positions. Choose another JPB representative.",
                m,
                "seat",
            )


@rule(
    "tor.members.tor_agreed",
    W,
    "An active member has not agreed to the Terms of Reference.",
    needs=("members.agreed_tor",),
)
def tor_agreed(board: Board, tor: TorConfig, today: dt.date) -> Iterator[Finding]:
    for m in board.active_members(today):
        if not m.agreed_tor:
            yield board.members.finding(
                W,
                f"{m.label} has not agreed to follow the Terms of Reference (this cell is "
                f"{'No' if m.agreed_tor is False else 'blank'}). Everyone on the Board needs to "
                "agree to them. Ask them, then put Yes here.",
                m,
                "agreed_tor",
            )


@rule(
    "tor.members.minimum_period",
    INFO,
    "A member left less than the minimum membership period after joining.",
    needs=("members.left", "members.joined"),
)
def minimum_period(board: Board, tor: TorConfig, today: dt.date) -> Iterator[Finding]:
    for m in board.members.records:
        if m.left and m.joined and m.left < add_months(m.joined, tor.minimum_membership_months):
            yield board.members.finding(
                INFO,
                f"{m.label} joined on {long_date(m.joined)} and left on {long_date(m.left)}, "
                f"before {plural(tor.minimum_membership_months, 'month')}, the minimum a "
                "representative joins for. No action is needed if this was agreed; you may want "
                "to ask their organisation for a new representative.",
                m,
                "left",
            )


@rule(
    "tor.members.review_due",
    W,
    "The Board has not reviewed its membership within the year.",
    needs=("meetings", "meetings.membership_reviewed"),
)
def review_due(board: Board, tor: TorConfig, today: dt.date) -> Iterator[Finding]:
    held = board.held_meetings(today)
    if not held:
        return
    reviews = [m for m in held if m.membership_reviewed]
    since = reviews[-1].date if reviews else held[0].date
    assert since is not None
    if add_months(since, tor.membership_review_months) <= today:
        last = (
            f"The last review was at the meeting on {long_date(since)}."
            if reviews
            else "No meeting has recorded a membership review yet."
        )
        yield board.meetings.finding(
            W,
            f"{last} The Board reviews its membership at least every "
            f"{plural(tor.membership_review_months, 'month')}. Put it on the next agenda, and "
            "mark Membership reviewed for that meeting.",
            held[-1],
            "membership_reviewed",
        )
