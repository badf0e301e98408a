"""Mapping a tracker's headers to the Board's columns by evidence: what the header says AND what
the column holds (issue 26).

Each candidate (header -> column) gets a name score (1 for the column's name or an alias, less
for a close name) and a values score (the share of the column's values that fit: dates for a date
column, yes/no words for a yes/no column, members for an owner, allowed values or their known
meanings for a choice column...). A header is mapped only when both agree; otherwise it is left
out and the reason is said in plain words ("'Co-chair' holds yes/no values (TRUE/FALSE), not
dates: not used as Term start"). Exact names win over close ones. A header that says the column
is internal ("do not circulate", "confidential") is never mapped to a column a digest shows.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from automations.model.schema import (
    CellProblem,
    Column,
    TableSchema,
    display,
    is_blank,
    normalize,
    parse_date,
    split_list,
)

CUTOFF = 0.55  # how alike a header and a column's name must be to be a candidate (0 to 1)
CHOICE_CUTOFF = 0.45  # ... when nearly all its values are the column's own (values speak)
WORDS_SCORE = 0.85  # a header holding every word of a name ("Organisation / group")
ID_SCORE = 0.9  # "No.", "#", "Ref" for the tab's id column
TYPO = 0.8  # a close name sharing no word must be this alike ("Complted on")
FIT = 0.6  # the share of values that must fit the column
TEXT_WEIGHT = 0.7  # how much "its values are text" counts, against more telling kinds
GENERIC = {"date", "no", "number", "id", "ref", "name", "on", "by", "of", "the", "a", "and"}
ID_HEADERS = {"#", "no", "no.", "number", "ref", "ref.", "ref no", "reference", "id"}
# A header saying one end of a span cannot be the other ("Co-chair term ends" is not Term start).
OPPOSED = (
    {"start", "starts", "started", "begin", "begins", "from", "joined"},
    {"end", "ends", "ending", "ended", "expires", "expiry", "until", "left", "finish"},
)
# Words in a header that say its column is not for circulation (README "Confidentiality").
INTERNAL = re.compile(
    r"\b(internal|confidential|restricted|private|board only|not for circulation|"
    r"do not circulate|do not share|not for publication|officers only)\b",
    re.IGNORECASE,
)
WHOLE_BOARD = {"all", "board", "everyone", "all members", "whole board"}

KIND_WORDS = {
    "date": "dates",
    "datetext": "dates written as words",
    "yesno": "yes/no values",
    "number": "numbers",
    "email": "email addresses",
    "link": "links",
    "text": "text",
}
COLUMN_WANTS = {
    "date": "dates",
    "yesno": "yes/no values",
    "number": "numbers",
    "email": "email addresses",
    "choice": "its allowed values",
    "choices": "its allowed values",
    "member": "names of members",
    "members": "names of members",
    "project": "project names or ids",
    "text": "text",
}
_YESNO_WORDS = {"yes", "no", "y", "n", "true", "false", "✓", "✔", "☑", "✗", "✘", "☐", "x"}
_DATE_WORDS = re.compile(
    r"^(w/?c|wc|week commencing|w/b|end of|by end of|beginning of|start of|mid|early|late|"
    r"tbc|tba|tbd|ongoing|n/?a|asap|q[1-4]|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|"
    r"next meeting|summer|autumn|winter|spring)\b",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_LINK = re.compile(r"^(https?://|www\.)", re.IGNORECASE)
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_SPLIT = re.compile(r"\s*(?:/|&|\+|,|;|\band\b|\n)\s*", re.IGNORECASE)


# ---------------------------------------------------------------- what a column holds


def cell_kind(value: object) -> str:
    """dates, yes/no, numbers, emails, links or text: what one filled cell holds."""
    if isinstance(value, bool):
        return "yesno"
    if isinstance(value, int | float):
        return "number"
    if hasattr(value, "year"):
        return "date"
    text = str(value).strip()
    low = text.lower()
    if low in _YESNO_WORDS:
        return "yesno"
    if _NUMBER.match(text):
        return "number"
    if _EMAIL.match(text):
        return "email"
    if _LINK.match(text):
        return "link"
    try:
        parse_date(text)
        return "date"
    except CellProblem:
        pass
    return "datetext" if _DATE_WORDS.match(low) else "text"


@dataclass(frozen=True)
class Profile:
    """The filled cells of one column: how many of each kind, and the texts as typed."""

    kinds: Counter[str]
    texts: tuple[str, ...]  # every filled cell as text (repeats kept)
    offered: tuple[str, ...] = ()  # the values of the column's drop-down list, if it has one
    offered_from: str = ""

    @property
    def filled(self) -> int:
        return sum(self.kinds.values())

    def share(self, *kinds: str) -> float:
        return sum(self.kinds[k] for k in kinds) / self.filled if self.filled else 0.0

    @property
    def main(self) -> str:
        return self.kinds.most_common(1)[0][0] if self.kinds else ""

    def sample(self, n: int = 3) -> str:
        seen = [t if len(t) <= 30 else t[:29] + "…" for t in dict.fromkeys(self.texts)]
        return ", ".join(seen[:n]) + (", …" if len(seen) > n else "")


def profile(
    values: Iterable[object], offered: Sequence[str] = (), offered_from: str = ""
) -> Profile:
    filled = [v for v in values if not is_blank(v)]
    texts = tuple(str(display(v)).strip() for v in filled)  # as the check shows them: 1, TRUE
    return Profile(Counter(cell_kind(v) for v in filled), texts, tuple(offered), offered_from)


@dataclass
class Context:
    """What else is known while mapping a tab: the members' names, ids, emails and initials,
    and the meanings of values trackers commonly write (sheets_schema/common_values.toml)."""

    members: set[str] = field(default_factory=set)  # normalized
    meanings: dict[str, dict[str, str]] = field(default_factory=dict)  # "tab.field" -> table

    def meaning(self, schema: TableSchema, column: Column, text: str) -> str | None:
        """The allowed value ``text`` means: the column's own values and aliases first, then the
        table of common words."""
        key = normalize(text)
        found = column.value_lookup().get(key)
        if found:
            return found
        table = self.meanings.get(f"{schema.key}.{column.field}", {})
        return next((v for k, v in table.items() if normalize(k) == key), None)

    def is_member(self, text: str) -> bool:
        parts = [p for p in _SPLIT.split(text) if p.strip()]
        if normalize(text) in {normalize(w) for w in WHOLE_BOARD}:
            return True
        return bool(parts) and all(_member_key(p) in self.members for p in parts)


def _member_key(text: str) -> str:
    # "Jon Tomlinson (Co-Chair)" is Jon Tomlinson.
    return normalize(re.sub(r"\([^)]*\)", "", text))


def member_keys(names: Iterable[object], others: Iterable[object] = ()) -> set[str]:
    """Names, ids, emails (``others``) and the initials of each name ("Jon Tomlinson" -> JT)."""
    keys = set()
    for name in names:
        if is_blank(name):
            continue
        plain = re.sub(r"\([^)]*\)", "", str(name))
        keys.add(normalize(plain))
        words = re.findall(r"[A-Za-z]+", plain)
        if len(words) >= 2:
            keys.add(normalize("".join(w[0] for w in words)))
    keys |= {normalize(v) for v in others if not is_blank(v)}
    keys.discard("")
    return keys


def load_meanings(path: Path) -> dict[str, dict[str, str]]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return {
        f"{tab}.{fld}": dict(table) for tab, cols in data.items() for fld, table in cols.items()
    }


# ---------------------------------------------------------------- evidence


@dataclass(frozen=True)
class Evidence:
    column: Column
    name: float  # 0 to 1
    name_how: str  # "its name", "an alias", "a close name (71%)", ...
    fit: float | None  # share of the values that fit; None: the column is empty
    fit_how: str
    rejected: str = ""  # why it is not used, in plain words ("" when name and values agree)
    weak: bool = False  # the values are only "text", which fits almost any column

    @property
    def score(self) -> float:
        if self.fit is None:
            return self.name
        # Text fits almost any column, so it is weaker evidence than dates, yes/no values or a
        # choice column's own words ("Member type" holding categories is Category, not Name).
        weight = TEXT_WEIGHT if self.weak else 1
        return (self.name + weight * self.fit) / 2

    @property
    def exact(self) -> bool:
        return self.name == 1.0

    @property
    def confidence(self) -> str:
        if self.exact and (self.fit is None or self.fit >= 0.8):
            return "high"
        return "medium" if self.score >= 0.75 else "low"

    @property
    def evidence(self) -> str:
        return self.name_how if self.fit is None else f"{self.name_how}; {self.fit_how}"


def _words(text: object) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", str(text).lower()))


def name_evidence(header: str, column: Column, schema: TableSchema) -> tuple[float, str, str]:
    """(score, how, problem): ``problem`` is why a name that looks close is not this column
    ("says an end, Term start is about a start"), else ""."""
    key, words = normalize(header), _words(header)
    if column.field == schema.id_field and header.strip().lower() in ID_HEADERS:
        return ID_SCORE, "a usual heading for the id", ""
    best, how, problem = 0.0, "", ""
    for n, name in enumerate((column.name, *column.aliases)):
        if normalize(name) == key:
            return 1.0, "its name" if n == 0 else f"an alias ({name!r})", ""
        theirs = _words(name)
        ratio = difflib.SequenceMatcher(None, key, normalize(name)).ratio()
        if _opposed(words, theirs):
            if ratio > best:
                best, how = ratio, f"close to {name!r} ({ratio:.0%})"
                problem = f"says {_side(words)}, {column.name} is about {_side(theirs)}"
            continue
        if theirs and theirs <= words and best < WORDS_SCORE:
            best, how, problem = WORDS_SCORE, f"holds the words of {name!r}", ""
        elif words and words < theirs and not (theirs - words) <= GENERIC:
            # "Chair" is not "Deputy chair": a word that matters is missing.
            if ratio > best:
                best, how = ratio, f"close to {name!r} ({ratio:.0%})"
                problem = f"is only part of {name!r}"
        elif ratio > best and (ratio >= TYPO or (words & theirs) - GENERIC):
            # Alike letters alone ("Created", "Completed") are not evidence: a shared word
            # ("ToR signed", "ToR agreed") or a near-typo is.
            best, how, problem = ratio, f"close to {name!r} ({ratio:.0%})", ""
    return best, how, problem


def _opposed(a: set[str], b: set[str]) -> bool:
    start, end = OPPOSED
    return bool((a & start and b & end) or (a & end and b & start))


def _side(words: set[str]) -> str:
    return "an end" if words & OPPOSED[1] else "a start"


def value_evidence(
    column: Column, schema: TableSchema, p: Profile, ctx: Context
) -> tuple[float | None, str]:
    if not p.filled and not p.offered:
        return None, "the column is empty"
    kind, wants = column.kind, COLUMN_WANTS.get(column.kind, "text")
    if kind == "date":
        fit = p.share("date", "datetext")
    elif kind == "yesno":
        fit = p.share("yesno") + _zero_one(p)
    elif kind == "number":
        fit = p.share("number")
    elif kind == "email":
        fit = p.share("email")
    elif kind in ("choice", "choices"):
        return _choice_fit(column, schema, p, ctx)
    elif kind in ("member", "members"):
        fit = _member_fit(p, ctx)
    elif column.field == schema.id_field:
        distinct = len(set(p.texts)) / len(p.texts) if p.texts else 0.0
        fit = p.share("text", "number") * distinct
        return fit, f"{fit:.0%} distinct ids"
    else:
        fit = p.share("text", "number", "email", "datetext")
    return fit, f"{fit:.0%} of its values are {wants}"


def _zero_one(p: Profile) -> float:
    return sum(1 for t in p.texts if t in ("0", "1")) / len(p.texts) if p.texts else 0.0


def _choice_fit(column: Column, schema: TableSchema, p: Profile, ctx: Context) -> tuple[float, str]:
    texts = p.texts or p.offered
    if column.kind == "choices":  # "Co-design; Co-delivery": each part is a value
        texts = tuple(part for t in texts for part in split_list(t)) or texts
    known = sum(1 for t in texts if ctx.meaning(schema, column, t))
    fit = known / len(texts)
    where = "in its drop-down list" if not p.texts else "of its values"
    return fit, f"{fit:.0%} {where} are {column.name} values or known words for them"


def _member_fit(p: Profile, ctx: Context) -> float:
    if not p.texts:
        return 0.0
    if ctx.members:
        return sum(1 for t in p.texts if ctx.is_member(t)) / len(p.texts)
    # No members known yet: names are short text, not links, dates or numbers.
    return sum(1 for t in p.texts if cell_kind(t) == "text" and len(t.split()) <= 6) / len(p.texts)


def judge(
    header: str, column: Column, schema: TableSchema, p: Profile, ctx: Context
) -> Evidence | None:
    """The evidence for mapping ``header`` to ``column``; None when the name is not a candidate."""
    name, how, problem = name_evidence(header, column, schema)
    fit, fit_how = value_evidence(column, schema, p, ctx)
    cutoff = CHOICE_CUTOFF if column.kind in ("choice", "choices") and (fit or 0) >= 0.8 else CUTOFF
    if name < cutoff:
        return None
    weak = column.kind == "text" and column.field != schema.id_field
    ev = Evidence(column, name, how, fit, fit_how, weak=weak)
    if not _agree(ev, p):  # the values speak first: they are what an officer can check
        return replace(ev, rejected=_why_not(header, column, p, schema.id_field))
    if problem:
        return replace(ev, rejected=f"'{header}' {problem}: not used as {column.name}")
    return ev


def _agree(ev: Evidence, p: Profile) -> bool:
    if ev.fit is None:
        return ev.exact  # an empty column: its name alone, only when it is exact
    if ev.fit >= FIT:
        return True
    if ev.column.kind in ("choice", "choices", "text") and ev.exact:
        # Its own header: values it does not know are proposals for the officer, unless the
        # column plainly holds something else (dates, yes/no, links).
        return p.main in ("text", "number", "")
    return ev.exact and ev.fit >= 0.3


def _why_not(header: str, column: Column, p: Profile, id_field: str) -> str:
    if not p.filled:
        return (
            f"'{header}' is empty and only close to {column.name!r}: not used (add it to "
            f"{column.name}'s aliases if it is that column)"
        )
    holds = KIND_WORDS.get(p.main, "text")
    sample = f" ({p.sample()})" if p.sample() else ""
    if column.field == id_field and p.main in ("text", "number"):
        return f"'{header}' repeats its values{sample}: not ids, so not used as {column.name}"
    wants = COLUMN_WANTS.get(column.kind, "text")
    if column.kind in ("choice", "choices", "member", "members") and p.main == "text":
        return f"'{header}' holds{sample}, not {wants}: not used as {column.name}"
    return f"'{header}' holds {holds}{sample}, not {wants}: not used as {column.name}"


# ---------------------------------------------------------------- deciding a tab's mapping


@dataclass
class Decision:
    """One header of a tab: the column it is mapped to (None: left out) and why."""

    position: int  # 0-based
    header: str
    column: Column | None = None
    evidence: Evidence | None = None
    why_not: str = ""
    internal: bool = False  # its header says not for circulation
    candidates: list[Evidence] = field(default_factory=list)

    @property
    def guessed(self) -> bool:
        return self.evidence is not None and not self.evidence.exact


def map_tab(
    schema: TableSchema, header: Sequence[object], columns: Sequence[Profile], ctx: Context
) -> list[Decision]:
    """Every filled header of the row, each mapped to at most one column and each column to at
    most one header: exact names first, then the best agreeing evidence."""
    decisions = [
        Decision(i, str(h).strip())
        for i, h in enumerate(header)
        if h is not None and str(h).strip()
    ]
    pairs = []
    for d in decisions:
        p = columns[d.position] if d.position < len(columns) else profile(())
        d.internal = bool(INTERNAL.search(d.header))
        for column in schema.columns:
            ev = judge(d.header, column, schema, p, ctx)
            if ev is None:
                continue
            if d.internal:
                ev = _internal(d.header, ev, p)
            d.candidates.append(ev)
            if not ev.rejected:
                pairs.append((ev.exact, ev.score, -d.position, d, ev))
    used: set[str] = set()
    for _, _, _, d, ev in sorted(pairs, key=lambda x: x[:3], reverse=True):
        if d.column is None and ev.column.field not in used:
            d.column, d.evidence = ev.column, ev
            used.add(ev.column.field)
    for d in decisions:
        if d.column is None:
            d.why_not = _left_out(d, used)
    return decisions


def _internal(header: str, ev: Evidence, p: Profile) -> Evidence:
    """An internal column marks actions confidential only when it is yes/no; it is never read
    as any other column (a digest might show it)."""
    if ev.column.field == "confidential":
        return ev
    why = f"'{header}' says it is not for circulation: never shown in a digest, so not used as "
    return replace(ev, rejected=why + ev.column.name)


def _left_out(d: Decision, used: set[str]) -> str:
    if d.internal:
        return f"'{d.header}' says it is not for circulation: never shown in a digest" + (
            "" if d.candidates else ", and not a yes/no column"
        )
    rejected = sorted((e for e in d.candidates if e.rejected), key=lambda e: -e.name)
    if rejected:
        return rejected[0].rejected
    taken = [e for e in d.candidates if e.column.field in used]
    if taken:
        return f"'{d.header}' could be {taken[0].column.name}, but another header is used for it"
    return f"'{d.header}' is not a column the Board's checks use"


def internal_confidential(
    schema: TableSchema, decisions: list[Decision], columns: Sequence[Profile]
) -> Decision | None:
    """An internal yes/no column ("Internal only?") read as Confidential, when no header is."""
    if schema.key != "actions" or any(
        d.column and d.column.field == "confidential" for d in decisions
    ):
        return None
    column = schema.column("confidential")
    for d in decisions:
        p = columns[d.position] if d.position < len(columns) else profile(())
        if d.internal and d.column is None and p.filled and p.share("yesno") >= FIT:
            d.column = column
            d.evidence = Evidence(
                column,
                0.8,
                "its header says internal",
                p.share("yesno"),
                f"{p.share('yesno'):.0%} yes/no values",
            )
            d.why_not = ""
            return d
    return None
