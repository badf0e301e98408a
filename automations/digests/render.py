"""Rendering one digest: jinja2 templates (HTML autoescaped), css-inline, a multipart message."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import css_inline
import jinja2

from automations.core.config import Config
from automations.core.errors import DigestError
from automations.core.text import long_date, plural
from automations.digests.context import build_context
from automations.digests.settings import Audience, DigestSettings, digest_settings, local
from automations.digests.trends import trends_for
from automations.mail.transport import mail_settings, one_line
from automations.pipeline import Validation

# ---------------------------------------------------------------- rendering


@dataclass(frozen=True)
class RenderedDigest:
    message: EmailMessage
    text: str
    html: str
    content_hash: str

    @property
    def size(self) -> int:
        return len(self.message.as_bytes())


def message_id(sender: Address, audience: Audience, meeting: dt.date) -> str:
    # From audience + meeting only, so a resend after a crash carries the same id.
    return f"<coprod-digest.{meeting.isoformat()}.{audience.slug}@{sender.domain}>"


def template_env(templates_dir: Path) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        # Every HTML template (macros included) escapes; the plain-text ones must not.
        autoescape=lambda name: bool(name) and name.endswith((".html.j2", ".html")),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["long_date"] = lambda d: long_date(d) if d else "not set"
    env.filters["plural"] = plural
    return env


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
    if not validation.board.actions.has("confidential"):
        # Fail closed: without the column nobody can tell which actions must stay in the Board.
        raise DigestError(
            "the Actions tab has no Confidential column, so the digest cannot tell which "
            "actions must stay within the Board. Add a Confidential column (blank means not "
            "confidential), then send again."
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
    )
    subject = one_line(
        settings.subject.format(
            board=settings.board_name, meeting=long_date(meeting), audience=audience.title
        )
    )
    env = env or template_env(cfg.templates_dir)
    variables = {
        "d": context,
        "subject": subject,
        "trends": trends_for(cfg, validation, meeting, audience.sections),  # digests/trends.py
    }
    stem = "digest_easy_read" if audience.easy_read else "digest"
    text = _render(env, f"{stem}.txt.j2", variables)
    html = _inline(_render(env, f"{stem}.html.j2", variables))
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = mail.sender
    msg["To"] = audience.recipients
    if mail.reply_to:
        msg["Reply-To"] = mail.reply_to
    msg["Date"] = format_datetime(local(now, settings.timezone))
    msg["Message-ID"] = message_id(mail.sender, audience, meeting)
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    digest = hashlib.sha256(f"{text}\0{html}".encode()).hexdigest()
    return RenderedDigest(msg, text, html, digest)


def _inline(html: str) -> str:
    inliner = css_inline.CSSInliner(load_remote_stylesheets=False, keep_style_tags=False)
    return inliner.inline(html)
