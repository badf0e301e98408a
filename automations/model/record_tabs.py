"""The co-production record's tabs as typed records: Sub-groups, Engagement, "You said, we
did" and Recognition (issue 31), and the small sums their rules and pages share.

The tabs are optional: a board that does not keep one gets a single information finding, and
the rules that need it are skipped. Field names match ``field`` in sheets_schema/<tab>.toml.
"""

from __future__ import annotations

import datetime as dt
import re

from automations.core.records import record
from automations.model.board import STAGES, Board, Member, Record
from automations.model.tor import RESIDENT_VOICES

# The TLAP ladder of participation, lowest first (sheets_schema/engagement.toml values).
LADDER = ("Informing", "Consultation", "Engagement", "Co-design", "Co-production")
# The four groups of people counted on an Engagement row, and their Recognition words.
GROUPS = ("residents", "carers", "providers", "staff")
LIVED_EXPERIENCE = ("residents", "carers")
# Categories typed in a sub-group's Members cell, with or without a count ("2 residents").
_CATEGORY_WORDS = {
    "resident": "Resident",
    "carer": "Carer",
    "advocate": "Carer",
    "provider": "Provider",
    "staff": "Staff",
    "staffmember": "Staff",
    "officer": "Staff",
}
_CATEGORY = re.compile(r"^(?:(\d+)\s+)?([a-z ]+?)(?:s)?$", re.IGNORECASE)
# What people really type between names: commas, semicolons, slashes, new lines and "and"
# (and "&"). A name with "and" in it is rare on a Board's list; an organisation's is not, but
# organisations are not typed here.
_SEPARATORS = re.compile(r"\s*(?:[,;/\n]|\s&\s|\band\b)\s*", re.IGNORECASE)


def split_people(text: str | None) -> list[str]:
    """'M03, 2 residents / Fay Carer and carer' -> ['M03', '2 residents', 'Fay Carer', 'carer']."""
    if not text:
        return []
    return [p.strip() for p in _SEPARATORS.split(text) if p and p.strip()]


def category_of(item: str) -> str | None:
    """'2 residents' -> 'Resident'; 'tenants' panel: 5 residents' -> 'Resident'; 'Carer' ->
    'Carer'; a name or id -> None."""
    m = _CATEGORY.match(item.rpartition(":")[2].strip())
    if not m:
        return None
    word = re.sub(r"\s+", "", m[2].lower())
    return _CATEGORY_WORDS.get(word) or _CATEGORY_WORDS.get(word.removesuffix("s"))


@record
class SubGroup(Record):
    """A row of the Sub-groups tab."""

    id: str | None = None
    name: str | None = None
    project_id: str | None = None
    lead: str | None = None
    members: str | None = None
    set_up_on: dt.date | None = None
    last_reported: dt.date | None = None
    status: str | None = None
    ended_on: dt.date | None = None

    @property
    def people(self) -> list[str]:
        return split_people(self.members)

    @property
    def is_open(self) -> bool:
        return self.status == "Open"

    @property
    def label(self) -> str:
        return f"{self.id} {self.name}".strip() if self.name else (self.id or f"row {self.row}")


@record
class Engagement(Record):
    """A row of the Engagement tab: one time people were asked or took part."""

    ref: str | None = None
    date: dt.date | None = None
    project_id: str | None = None
    stage: str | None = None
    method: str | None = None
    participation_level: str | None = None
    residents: float | None = None
    carers: float | None = None
    providers: float | None = None
    staff: float | None = None
    groups_reached: str | None = None
    adjustments: str | None = None
    heard: str | None = None
    link: str | None = None

    def count(self, group: str) -> float:
        value = getattr(self, group)
        return value if value is not None and value > 0 else 0

    @property
    def groups(self) -> tuple[str, ...]:
        return tuple(g for g in GROUPS if self.count(g))

    @property
    def lived_experience(self) -> bool:
        return any(self.count(g) for g in LIVED_EXPERIENCE)

    @property
    def stage_index(self) -> int | None:
        return STAGES.index(self.stage) if self.stage in STAGES else None

    @property
    def rung(self) -> int | None:
        return LADDER.index(self.participation_level) if self.participation_level else None


@record
class Feedback(Record):
    """One "You said, we did" row."""

    id: str | None = None
    project_id: str | None = None
    date_heard: dt.date | None = None
    source: str | None = None
    you_said: str | None = None
    we_did: str | None = None
    reason: str | None = None
    status: str | None = None
    done_on: dt.date | None = None
    told_back_on: dt.date | None = None
    how_told_back: str | None = None

    @property
    def answered(self) -> bool:
        return self.status in ("Done", "Not possible")


@record
class Recognition(Record):
    """A row of the Recognition tab: time given, and how it was thanked or paid."""

    ref: str | None = None
    date: dt.date | None = None
    person: str | None = None
    taking_part_as: str | None = None
    activity: str | None = None
    hours: float | None = None
    kind: str | None = None
    amount: float | None = None
    status: str | None = None
    given_on: dt.date | None = None


RECORD_TYPES: dict[str, type[Record]] = {
    "subgroups": SubGroup,
    "engagement": Engagement,
    "you_said_we_did": Feedback,
    "recognition": Recognition,
}


def subgroup_named(board: Board, name: str | None) -> SubGroup | None:
    """The Sub-groups tab's row for the sub-group a project names in its Sub-group cell (by its
    ID or its name, ignoring case and spacing), or None when that tab does not keep it."""
    key = _key(name)
    if not key:
        return None
    rows: list[SubGroup] = board.subgroups.records  # type: ignore[assignment]
    return next((g for g in rows if key in (_key(g.id), _key(g.name))), None)


def _key(text: str | None) -> str:
    return " ".join((text or "").split()).casefold()


def lived_experience_person(board: Board, person: str | None, as_: str | None) -> bool:
    """A resident or carer: by the Recognition row's "Taking part as", else the Members tab."""
    if as_:
        return as_ in ("Resident", "Carer")
    member: Member | None = board.member(person)
    return member is not None and member.category in RESIDENT_VOICES


def engagement_by_project(board: Board) -> dict[str, list[Engagement]]:
    out: dict[str, list[Engagement]] = {}
    for e in board.engagement.records:
        project = board.project(e.project_id)
        if project is not None and project.id:
            out.setdefault(project.id, []).append(e)
    return out


_TITLES = re.compile(r"^(mr|mrs|ms|miss|mx|dr|prof|cllr|councillor)\.?\s+\S", re.IGNORECASE)
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_PHONE = re.compile(r"(?:\+44|\b0)\d[\d ]{8,12}\d\b")


def personal_source(board: Board, text: str | None) -> str | None:
    """Why a "Source" cell looks like it names a private person, else None. Conservative on
    purpose: it catches what the workbook itself knows are people (members, people on the
    Recognition tab) and what always is personal (an email, a phone number, a title)."""
    if not text:
        return None
    if _EMAIL.search(text):
        return "it holds an email address"
    if _PHONE.search(text):
        return "it holds a phone number"
    if _TITLES.match(text.strip()):
        return "it starts with a person's title"
    known = _people_names(board)
    refs = {e.ref.casefold() for e in board.engagement.records if e.ref}
    for part in split_people(text):
        key = " ".join(part.split()).casefold()
        if key in known:
            return f"{part!r} is a person's name on the {known[key]} tab"
        if key not in refs and _looks_like_a_name(part):
            return f"{part!r} looks like a person's name"
    return None


_NAME = re.compile(r"^[A-Z][a-z'\-]+(?: [A-Z][a-z'\-]+){1,2}$")
# Words in the names of groups, places and services: "Speak Up Haringey" is not a person.
_GROUP_WORDS = set(
    """forum forums group groups panel meeting meetings survey workshop network centre center
    board team council service services partnership reference carers carer residents resident
    tenants tenant users user club association society trust charity speak speaks up drop
    session sessions event events consultation focus hub cafe newsletter online school college
    church mosque temple library alliance action disability voice voices healthwatch day night
    home care housing health mental learning older people parents parent young youth family
    families friends community communities north south east west london haringey tottenham
    wood green hornsey muswell hill""".split()  # noqa: SIM905 (a word list reads better so)
)


def _looks_like_a_name(text: str) -> bool:
    """Two or three capitalised words, none of them a group's or a place's ("Joan Whitaker",
    not "Carers Reference Group")."""
    words = text.strip().split()
    return bool(_NAME.match(text.strip())) and not any(
        w.casefold().strip("'") in _GROUP_WORDS for w in words
    )


def _people_names(board: Board) -> dict[str, str]:
    names: dict[str, str] = {}
    for r in board.recognition.records:
        if r.person:
            names[" ".join(r.person.split()).casefold()] = "Recognition"
    for m in board.members.records:
        for key in (m.name, m.email):
            if key:
                names[" ".join(key.split()).casefold()] = "Members"
    return names
