"""The public "You said, we did" page (coprod publish, issue 31): what people told the Board and
what changed, for the Council's website, as the Terms of Reference ask the Board to advertise its
work there. One accessible page and an easy-read one with pictures.

Nothing personal is published: no names, emails, phone numbers or amounts. Only the "You said,
we did" items that have an answer, the projects' titles and counts of people heard are read; a
Source that names a person is left out, and any known person's name, email or phone number in
the free text is replaced by words saying a name was left out. The templates escape every value.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import jinja2

from automations.core.errors import DigestError, SourceError
from automations.core.paths import data_path
from automations.model.board import Board
from automations.model.record_tabs import (
    LIVED_EXPERIENCE,
    Engagement,
    Feedback,
    personal_source,
)

PAGES = {
    "public.html.j2": "you-said-we-did.html",
    "public_easy_read.html.j2": "you-said-we-did-easy-read.html",
}
LEFT_OUT = "(name left out)"
# What the page says for each answer, by status.
ANSWER = {"Done": "We did", "Considering": "We will", "Not possible": "We could not, because"}
_EMAIL = re.compile(r"[^@\s<>]+@[^@\s<>]+\.[A-Za-z]{2,}")
_PHONE = re.compile(r"(?:\+44\s?|\b0)\d(?:[\s-]?\d){8,10}\b")


@dataclass(frozen=True)
class PublicItem:
    project: str  # the project's title, or "" when the row names none
    heard: str  # month and year, e.g. "December 2023"
    source: str  # the conversation or group it came from, or "" (left out or blank)
    said: str
    answer_kind: str  # a key of ANSWER
    answer: str
    told_back: str  # how people were told, or ""


@dataclass(frozen=True)
class PublicPage:
    board_name: str
    as_of: dt.date
    items: tuple[PublicItem, ...]
    conversations: int  # Engagement rows held by today
    lived_experience: int  # residents and carers who took part in them (a count, no names)
    changed: int  # items done

    def by_project(self) -> list[tuple[str, list[PublicItem]]]:
        out: dict[str, list[PublicItem]] = {}
        for item in self.items:
            out.setdefault(item.project, []).append(item)
        return list(out.items())


def public_items(board: Board, rows: list[Feedback]) -> tuple[PublicItem, ...]:
    """The rows that have an answer, oldest heard first, as they may be shown to anyone."""
    scrub = _scrubber(board)
    engagement = {e.ref.casefold(): e for e in board.engagement.records if e.ref}
    ordered = sorted(rows, key=lambda f: (f.date_heard or dt.date.max, f.row))
    return tuple(_item(board, f, scrub, engagement) for f in ordered if _publishable(f))


def public_page(board: Board, board_name: str, today: dt.date) -> PublicPage:
    items = public_items(board, board.you_said_we_did.records)
    held = [e for e in board.engagement.records if e.date and e.date <= today]
    return PublicPage(
        board_name=board_name,
        as_of=today,
        items=items,
        conversations=len(held),
        lived_experience=int(sum(e.count(g) for e in held for g in LIVED_EXPERIENCE)),
        changed=sum(i.answer_kind == "Done" for i in items),
    )


def _publishable(f: Feedback) -> bool:
    if f.you_said is None or f.status not in ANSWER:
        return False
    return bool(f.reason or f.we_did) if f.status == "Not possible" else bool(f.we_did)


def _item(
    board: Board, f: Feedback, scrub: Scrubber, engagement: dict[str, Engagement]
) -> PublicItem:
    project = board.project(f.project_id)
    answer = (f.reason or f.we_did) if f.status == "Not possible" else f.we_did
    return PublicItem(
        project=scrub(project.title or "") if project is not None else "",
        heard=f"{f.date_heard:%B %Y}" if f.date_heard else "",
        source=_source(board, f.source, scrub, engagement),
        said=scrub(f.you_said or ""),
        answer_kind=f.status or "",
        answer=scrub(answer or ""),
        told_back=scrub(f.how_told_back or "") if f.told_back_on else "",
    )


def _source(
    board: Board, text: str | None, scrub: Scrubber, engagement: dict[str, Engagement]
) -> str:
    if not text or personal_source(board, text):
        return ""  # the check warns (tor.feedback.source_personal); the page leaves it out
    e = engagement.get(text.strip().casefold())
    if e is not None:  # an engagement's Ref: say what it was, not its code
        when = f" in {e.date:%B %Y}" if e.date else ""
        return f"{(e.method or 'conversation').lower()}{when}"
    return scrub(text)


class Scrubber:
    """Replaces every name and email the workbook knows as a person's, and any email or phone
    number, in free text: a last guard, as people type names into what they write."""

    def __init__(self, names: list[str]) -> None:
        longest_first = sorted({n for n in names if len(n) >= 3}, key=len, reverse=True)
        self._names = (
            re.compile("|".join(rf"\b{re.escape(n)}\b" for n in longest_first), re.IGNORECASE)
            if longest_first
            else None
        )

    def __call__(self, text: str) -> str:
        text = _EMAIL.sub(LEFT_OUT, text)
        text = _PHONE.sub(LEFT_OUT, text)
        return self._names.sub(LEFT_OUT, text) if self._names else text


def _scrubber(board: Board) -> Scrubber:
    names = [n for m in board.members.records for n in (m.name, m.email) if n]
    names += [r.person for r in board.recognition.records if r.person]
    # A member's name without "Cllr" and the like is still their name.
    names += [re.sub(r"^(cllr|dr|mr|mrs|ms|miss|mx)\.?\s+", "", n, flags=re.I) for n in names]
    return Scrubber([" ".join(n.split()) for n in names])


# ---------------------------------------------------------------- writing


def render_pages(page: PublicPage, templates_dir: Path) -> dict[str, str]:
    """File name -> HTML of each page."""
    env = jinja2.Environment(
        # A templates folder copied before these pages existed still gets the shipped ones.
        loader=jinja2.ChoiceLoader(
            [
                jinja2.FileSystemLoader(str(templates_dir)),
                jinja2.FileSystemLoader(str(data_path("templates"))),
            ]
        ),
        autoescape=True,  # every value from the sheet arrives as text
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["long_date"] = lambda d: f"{d.day} {d:%B %Y}"
    env.globals["picture"] = _picture_reader(templates_dir)
    env.globals["ANSWER"] = ANSWER
    out = {}
    for template, name in PAGES.items():
        try:
            out[name] = env.get_template(template).render(p=page)
        except jinja2.TemplateError as exc:
            line = getattr(exc, "lineno", None)
            where = f"{template}, line {line}" if line else template
            raise DigestError(f"could not render the public page ({where}): {exc}") from None
    return out


def _picture_reader(templates_dir: Path):  # type: ignore[no-untyped-def]
    def picture(name: str) -> str:
        """A picture as a data: address, so each page is one file to upload."""
        if not re.fullmatch(r"[a-z0-9-]+", name):
            raise DigestError(f"picture({name!r}): use a name like 'done' (the file done.png)")
        for folder in (templates_dir / "pictures", data_path("templates") / "pictures"):
            path = folder / f"{name}.png"
            if path.is_file():
                return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode()
        raise DigestError(f"the picture pictures/{name}.png is missing from the templates folder")

    return picture


def write_pages(page: PublicPage, templates_dir: Path, folder: Path) -> list[Path]:
    pages = render_pages(page, templates_dir)
    written = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for name, html in pages.items():
            path = folder / name
            path.write_text(html, encoding="utf-8")
            written.append(path)
    except OSError as exc:
        raise SourceError(
            f"could not write the public page in {folder}: {exc.strerror or exc}"
        ) from None
    return written
