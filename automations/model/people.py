"""People as trackers write them: initials ("JT"), several owners in one cell ("JT/AD",
"JT & AD", "JT, AD"), the whole Board ("All", "Board"), a role in the name cell
("Jon Tomlinson (Co-Chair)"). The board (model/board.py Board.owners) is the one resolver every
rule, digest and reminder asks; these are its pure parts."""

from __future__ import annotations

import re

from automations.core.text import compiled_when_used

# What a cell says when an action is the whole Board's.
WHOLE_BOARD = {
    "all", "board", "theboard", "wholeboard", "allmembers", "boardmembers", "allboardmembers",
    "everyone", "everybody", "allboard",
}  # fmt: skip
_SPLIT = re.compile(r"\s*(?:/|&|\+|,|;|\band\b)\s*", re.IGNORECASE)
_INITIALS = re.compile(r"^[A-Za-z]{2,4}$")
_ROLE = re.compile(r"^(?P<name>.*?)\s*\((?P<role>[^()]*)\)\s*$")
_CHAIR = compiled_when_used(r"\bco[\s-]?chair\b|\bchair\b", re.IGNORECASE)


def key(ref: str) -> str:
    return " ".join(ref.split()).casefold()


def is_whole_board(ref: str) -> bool:
    return re.sub(r"[\W_]+", "", ref.casefold()) in WHOLE_BOARD


def split_people(ref: str) -> list[str]:
    """ "JT/AD", "JT & AD", "Jon and Amina" -> the people named; one name stays one."""
    return [p for p in _SPLIT.split(ref.strip()) if p]


def initials(name: str) -> set[str]:
    """The initials a name may be written as: "Jon Tomlinson" -> JT; "Mary Ann Lee" -> MAL, ML."""
    words = [w for w in re.split(r"[\s\-]+", without_role(name)[0]) if w and w[0].isalpha()]
    if len(words) < 2:
        return set()
    return {key("".join(w[0] for w in words)), key(words[0][0] + words[-1][0])}


def could_be_initials(ref: str) -> bool:
    return bool(_INITIALS.match(ref.strip()))


def without_role(name: str) -> tuple[str, str | None]:
    """ "Jon Tomlinson (Co-Chair)" -> ("Jon Tomlinson", "Co-Chair"); other names as they are.
    Only a chair in brackets is taken as a role: "(Speak Up)" may be an organisation."""
    m = _ROLE.match(name)
    if m and m["name"] and _CHAIR().search(m["role"]):
        return m["name"].strip(), m["role"].strip()
    return name.strip(), None
