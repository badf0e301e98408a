"""Rendering one digest: jinja2 templates (HTML autoescaped), css-inline, a multipart message."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, is_dataclass, replace
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import css_inline
import jinja2
from markupsafe import Markup, escape

from automations.core.config import Config
from automations.core.errors import DigestError
from automations.core.paths import data_path, readable_folder
from automations.core.text import long_date, plural
from automations.digests.context import DigestContext, build_context
from automations.digests.said import said_for
from automations.digests.settings import Audience, DigestSettings, digest_settings, local
from automations.digests.trends import trends_for
from automations.mail.transport import mail_settings, one_line
from automations.pipeline import Validation

# ---------------------------------------------------------------- rendering


@dataclass(frozen=True)
class RenderedDigest:
    message: EmailMessage
    text: str
    html: str  # as sent: pictures are cid: references to the message's inline parts
    content_hash: str
    pictures: dict[str, bytes] = field(default_factory=dict)  # content id -> PNG

    @property
    def size(self) -> int:
        return len(self.message.as_bytes())

    @property
    def browser_html(self) -> str:
        """The HTML with its pictures inside it (data: URLs), for a preview file or a browser."""
        return inline_pictures(self.html, self.pictures)


def inline_pictures(html: str, pictures: dict[str, bytes]) -> str:
    """``html`` with each cid: picture put inside it as a data: URL: for a preview file or a
    browser only (mail programs block data: images; the message carries them as parts)."""

    def inline(m: re.Match[str]) -> str:
        return f'src="data:image/png;base64,{base64.b64encode(pictures[m.group(1)]).decode()}"'

    return re.sub(r'src="cid:([^"]+)"', inline, html)


# ---------------------------------------------------------------- pictures and links

PICTURES = "pictures"  # the folder in the templates folder holding the easy read's PNGs


class Pictures:
    """Hands templates a cid: address per picture and remembers which ones they used, so the
    message carries exactly the pictures its HTML shows."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.used: dict[str, bytes] = {}
        # Pictures drawn for this email (a chart's PNG) are handed to the template as a ready
        # cid: address, not asked for while it renders: kept apart so a re-render keeps them.
        self.made: dict[str, bytes] = {}

    def __call__(self, name: str) -> str:
        if not re.fullmatch(r"[a-z0-9-]+", name):
            raise DigestError(f"picture({name!r}): use a name like 'late' (the file late.png)")
        cid = f"{name}.png@coprod-digest"
        if cid not in self.used:
            # A templates folder copied before the pictures existed still gets the shipped ones.
            for folder in (self.folder, data_path("templates") / PICTURES):
                path = folder / f"{name}.png"
                if path.is_file():
                    self.used[cid] = path.read_bytes()
                    break
            else:
                raise DigestError(
                    f"the picture {PICTURES}/{name}.png is missing from the templates folder"
                )
        return f"cid:{cid}"

    def drawn(self, name: str, data: bytes) -> str:
        """A picture made for this email (a chart's PNG): its cid: address, carried like the
        others."""
        cid = f"{name}.png@coprod-digest"
        self.made[cid] = self.used[cid] = data
        return f"cid:{cid}"


# http(s) and mailto only: other schemes (javascript:, file:, data:) stay plain text.
_LINK = re.compile(r"\b(?:https?://|mailto:)[^\s<>\"']+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}'"
LINK_LABEL = 40  # characters of an address shown as the link's words


def links(text: object) -> Markup:
    """Escaped text with its web addresses made into links (shown shortened, so a long pasted
    address cannot widen the page)."""
    raw, out, last = str(text), [], 0
    for m in _LINK.finditer(raw):
        url = m.group(0).rstrip(_TRAILING)
        out.append(escape(raw[last : m.start()]))
        shown = re.sub(r"^(https?://|mailto:)", "", url, flags=re.IGNORECASE)
        if len(shown) > LINK_LABEL:
            shown = shown[: LINK_LABEL - 1] + "…"
        out.append(Markup('<a href="{}" class="link">{}</a>').format(url, shown))
        last = m.start() + len(url)
    out.append(escape(raw[last:]))
    return Markup("").join(out)


@jinja2.pass_context
def _tracker_text(context: Any, text: object) -> Markup:
    """The templates' ``links`` filter: ``links``, on text cut to ``brief`` characters when the
    render sets it (the last resort of ``fitted``, for a tracker whose cells hold essays)."""
    return links(shorten(str(text), context.get("brief")))


def shorten(text: str, most: int | None) -> str:
    """``text`` cut at a space before ``most`` characters, saying where the rest is."""
    if most is None or len(text) <= most:
        return text
    cut = text.rfind(" ", 0, most)
    return text[: cut if cut > 0 else most].rstrip() + " … (the rest is in the tracker)"


def short_date(day: dt.date) -> str:
    return f"{day.day} {day:%b}"


def easy_date(day: dt.date | None, meeting: dt.date) -> str:
    """'9 March', with the year only when it is not the meeting's year (easy read keeps dates
    short)."""
    if day is None:
        return "a date not set yet"
    return f"{day.day} {day:%B}" if day.year == meeting.year else long_date(day)


def subject_line(template: str, context: DigestContext, board: str) -> str:
    return one_line(
        template.format(
            board=board,
            meeting=long_date(context.meeting),
            date=short_date(context.meeting),
            audience=context.audience,
            late=context.overdue_count,
            new=context.new_count,
            due_soon=len(context.due_soon),
        )
    )


def message_id(sender: Address, audience: Audience, meeting: dt.date) -> str:
    # From audience + meeting only, so a resend after a crash carries the same id.
    return f"<coprod-digest.{meeting.isoformat()}.{audience.slug}@{sender.domain}>"


def template_env(templates_dir: Path) -> jinja2.Environment:
    readable_folder(templates_dir, "[paths] templates_dir")  # a clear message, not jinja2's
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        extensions=["jinja2.ext.do"],  # {% do facts.append(...) %} in _macros.html.j2
        # Every HTML template (macros included) escapes; the plain-text ones must not.
        autoescape=lambda name: bool(name) and name.endswith((".html.j2", ".html")),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["long_date"] = lambda d: long_date(d) if d else "not set"
    env.filters["plural"] = plural
    env.filters["links"] = _tracker_text
    env.filters["easy_date"] = easy_date
    env.filters["most_urgent"] = most_urgent
    return env


# ---------------------------------------------------------------- length

# Gmail shows an email's HTML in full up to 102 KB and clips the rest behind "[Message
# clipped]"; a few KB are kept in hand for what the mail program adds.
HTML_BUDGET = 96_000  # bytes of HTML
# Items per list, tried in turn until the HTML fits: all of them, then fewer. Templates show
# `list[:limit]` (the most urgent first) and say how many more there are and where. Last, the
# tracker's words are cut to `brief` characters each (a cell may hold 32,767).
LIMITS: tuple[tuple[int | None, int | None], ...] = (
    (None, None),
    (40, None),
    (20, None),
    (10, None),
    (5, None),
    (5, 300),
)


def fitted(render_html: Callable[[int | None, int | None], str]) -> str:
    """The HTML of the first (limit, brief) in LIMITS that fits in HTML_BUDGET (or of the
    last)."""
    for limit, brief in LIMITS:
        html = render_html(limit, brief)
        if len(html.encode()) <= HTML_BUDGET:
            break
    return html


def most_urgent(groups: Sequence[Any], limit: int | None) -> list[Any]:
    """Owner groups cut to the ``limit`` latest actions among them all (None: all of them),
    each group keeping its own order; a group left empty is dropped. A group is an object with
    ``actions`` (the digest) or an (owner, actions) pair (the pack)."""
    if limit is None:
        return list(groups)
    lists = [g.actions if is_dataclass(g) else g[1] for g in groups]
    everything = [(-a.days_late, i, j) for i, acts in enumerate(lists) for j, a in enumerate(acts)]
    keep = {(i, j) for _, i, j in sorted(everything)[:limit]}
    out = []
    for i, (g, acts) in enumerate(zip(groups, lists, strict=True)):
        kept = tuple(a for j, a in enumerate(acts) if (i, j) in keep)
        if kept:
            out.append(replace(g, actions=kept) if is_dataclass(g) else (g[0], kept))
    return out


def _render(env: jinja2.Environment, name: str, context: dict[str, Any]) -> str:
    try:
        return env.get_template(name).render(context)
    except jinja2.TemplateSyntaxError as exc:
        raise DigestError(
            f"{_where(exc.filename or exc.name or name)}, line {exc.lineno}: {exc.message}"
        ) from None
    except jinja2.TemplateNotFound as exc:
        raise DigestError(f"template {exc.name!r} is missing from the templates folder") from None
    except Exception as exc:
        raise DigestError(f"{_template_frame(exc, name)}: {exc}") from None


def _where(path: str) -> str:
    p = Path(path)
    return f"{p.parent.name}/{p.name}" if p.parent.name else p.name


def _template_frame(exc: BaseException, name: str) -> str:
    """The template file and line where a render error happened (jinja maps its frames)."""
    tb = exc.__traceback__
    found = name
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".j2"):
            found = f"{_where(filename)}, line {tb.tb_lineno}"
        tb = tb.tb_next
    return found


def render_digest(
    cfg: Config,
    validation: Validation,
    audience: Audience,
    meeting: dt.date,
    now: dt.datetime,
    settings: DigestSettings | None = None,
    env: jinja2.Environment | None = None,
) -> RenderedDigest:
    """One audience's digest for one meeting, as a ready-to-send multipart message."""
    settings = settings or digest_settings(cfg)
    if not validation.board.actions.has("confidential") and settings.confidential_column != "none":
        # Fail closed: without the column nobody can tell which actions must stay in the Board,
        # unless the config says in so many words that every action may appear in digests.
        raise DigestError(
            "the Actions tab has no Confidential column, so the digest cannot tell which "
            "actions must stay within the Board. Add a Confidential column (blank means not "
            'confidential), or set confidential_column = "none" in [digest] of the config if '
            "every action may appear in digests, then send again."
        )
    mail = mail_settings(cfg)
    context = build_context(
        validation.board,
        validation.report,
        cfg.tor,
        board_name=settings.board_name,
        audience=audience.title,
        meeting=meeting,
        sections=audience.sections,
        top_findings=settings.top_findings,
        ask=audience.ask,
    )
    subject = subject_line(audience.subject, context, settings.board_name)
    env = env or template_env(cfg.templates_dir)
    pictures = Pictures(cfg.templates_dir / PICTURES)
    contact = settings.reply_to
    variables = {
        "d": context,
        "subject": subject,
        "picture": pictures,
        "contact": {
            "name": contact.display_name or "the Board's officers",
            "address": contact.addr_spec,
        },
        "trends": trends_for(cfg, validation, meeting, audience.sections),  # digests/trends.py
        "said": said_for(validation, meeting, audience.sections),  # digests/said.py
    }
    stem = "digest_easy_read" if audience.easy_read else "digest"
    # The glossary lists only acronyms the email's own words use: render once without it, keep
    # what that text uses, then render for real.
    bare = _render(env, f"{stem}.txt.j2", {**variables, "d": replace(context, glossary={})})
    used = {k: v for k, v in context.glossary.items() if re.search(rf"\b{k}\b", bare)}
    variables["d"] = context = replace(context, glossary=used)
    text = _render(env, f"{stem}.txt.j2", variables)
    html = html_part(env, f"{stem}.html.j2", variables, pictures)
    msg, seal = compose(
        text,
        html,
        pictures.used,
        subject=subject,
        sender=mail.sender,
        to=audience.recipients,
        reply_to=contact,
        date=local(now, settings.timezone),
        message_id=message_id(mail.sender, audience, meeting),
    )
    return RenderedDigest(msg, text, html, seal, dict(pictures.used))


def compose(
    text: str,
    html: str,
    pictures: dict[str, bytes],
    *,
    subject: str,
    sender: Any,
    to: Any,
    reply_to: Any,
    date: dt.datetime,
    message_id: str,
) -> tuple[EmailMessage, str]:
    """Every email the service sends, put together the one way: the text and HTML (with their
    pictures), its headers, and the hash of its content (what the ledger compares on a resend)."""
    msg = _message(text, html, pictures)
    msg["Subject"] = subject
    msg["From"] = sender
    msg["To"] = to
    msg["Reply-To"] = reply_to
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = message_id
    msg["Content-Language"] = "en-GB"
    msg["Auto-Submitted"] = "auto-generated"
    seal = hashlib.sha256(f"{text}\0{html}".encode())
    for cid, data in sorted(pictures.items()):
        seal.update(cid.encode() + data)
    return msg, seal.hexdigest()


def _message(text: str, html: str, pictures: dict[str, bytes]) -> EmailMessage:
    """multipart/alternative of the text and the HTML; with pictures, the HTML becomes
    multipart/related holding them as inline PNGs (what Outlook shows; it blocks SVG)."""
    msg = EmailMessage()
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    if pictures:
        html_part = msg.get_body(("html",))
        assert html_part is not None
        for cid, data in sorted(pictures.items()):
            html_part.add_related(
                data,
                maintype="image",
                subtype="png",
                cid=f"<{cid}>",
                filename=cid.split("@")[0],
                disposition="inline",
            )
    return msg


def html_part(
    env: jinja2.Environment, name: str, variables: dict[str, Any], pictures: Pictures
) -> str:
    """The HTML of one email, its CSS inlined, short enough for Gmail to show it in full (see
    fitted). The plain-text part keeps every item: nothing clips it."""

    def attempt(limit: int | None, brief: int | None) -> str:
        pictures.used.clear()  # a shorter list may show fewer pictures: carry only those
        pictures.used.update(pictures.made)
        return _inline(_render(env, name, {**variables, "limit": limit, "brief": brief}))

    return fitted(attempt)


def _inline(html: str) -> str:
    """Each element gets its CSS in its style attribute and the stylesheet goes: mail programs
    that drop <style> (or turn <body> into a <div>) lose nothing."""
    inliner = css_inline.CSSInliner(load_remote_stylesheets=False, keep_style_tags=False)
    return inliner.inline(html)
