"""What an HTML email uses, checked against the "Can I email" support tables (caniemail.com).

The feature files in tests/data/caniemail/ are copied unchanged from
https://github.com/hteumeuleu/caniemail (folder _features/, MIT licence, in LICENSE beside them;
the commit is in README.md there). Only the files for what our emails use are kept.

A feature file's ``stats`` give, per mail program and platform, a verdict per tested version:
"y" supported, "a" partial, "n" not supported, "u" unknown, with "#n" notes. We read the
latest tested version of each (the one a reader has now).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from lxml import etree, html

FEATURES = Path(__file__).parent / "data" / "caniemail"
# Outlook for Windows, Gmail (web, phone web and apps) and Apple Mail on iPhone (the issue's
# must), and the other Outlooks the issue names: new Outlook / Outlook on the web
# (caniemail's "outlook-com") and Outlook on iPhone and Android.
TARGETS = (
    ("outlook", "windows"),
    ("outlook", "outlook-com"),
    ("outlook", "ios"),
    ("outlook", "android"),
    ("gmail", "desktop-webmail"),
    ("gmail", "mobile-webmail"),
    ("gmail", "ios"),
    ("gmail", "android"),
    ("apple-mail", "ios"),
)
_TOKEN = re.compile(r'"?([\w.-]+)"?\s*:\s*\{|"([^"]+)"\s*:\s*"([^"]*)"|\}')


def latest_verdicts(feature: str) -> dict[tuple[str, str], str]:
    """(mail program, platform) -> the verdict for its latest tested version."""
    text = (FEATURES / f"{feature}.md").read_text(encoding="utf-8")
    body = text.split("stats:", 1)[1]
    found: dict[tuple[str, str], str] = {}
    stack: list[str] = []
    # The stats are a nested {client: {platform: {"version": "verdict"}}} block (YAML flow
    # style with trailing commas, which no strict parser takes): walk its braces.
    for m in _TOKEN.finditer(body):
        if m.group(1):
            stack.append(m.group(1))
        elif m.group(2):
            if len(stack) >= 2:
                found[(stack[0], stack[1])] = m.group(3)  # versions are listed oldest first
        elif not stack:
            break
        else:
            stack.pop()
    return found


def unsupported_in(feature: str) -> list[str]:
    """The target mail programs whose latest version does not support ``feature``."""
    verdicts = latest_verdicts(feature)
    return [
        f"{client} {platform}"
        for client, platform in TARGETS
        if verdicts.get((client, platform), "u").startswith("n")
    ]


# ---------------------------------------------------------------- what an email uses

# CSS properties that caniemail has no page for: every mail program has shown them since HTML
# email began (GOV.UK Notify's template relies on the same).
UNTRACKED_CSS = {"color", "font-family", "font-style"}
# Our own names for caniemail's pages where the property name is not the page name.
CSS_PAGE = {
    "supported-color-schemes": "css-color-scheme",  # Apple's older name for color-scheme
}
CSS_PREFIXES = (("padding-", "css-padding"), ("margin-", "css-margin"), ("border-", "css-border"))
UNITS = {
    "px": "css-unit-px",
    "%": "css-unit-percent",
    "em": "css-unit-em",
    "rem": "css-unit-rem",
    "pt": "css-unit-pt",
    "vw": "css-unit-vw",
    "vh": "css-unit-vh",
    "ch": "css-unit-ch",
}
FUNCTIONS = {
    "calc": "css-unit-calc",
    "rgb": "css-rgb",
    "rgba": "css-rgba",
    "var": "css-variables",
    "min": "css-function-min",
    "max": "css-function-max",
    "clamp": "css-function-clamp",
    "light-dark": "css-function-light-dark",
}

TAG_PAGE = {
    **{t: "html-table" for t in ("table", "tr", "td", "th", "tbody", "thead", "caption")},
    **{f"h{n}": "html-h1-h6" for n in range(1, 7)},
    **{t: "html-lists" for t in ("ul", "ol", "li")},
    **{
        t: f"html-{t}"
        for t in (
            "p",
            "span",
            "div",
            "img",
            "strong",
            "body",
            "style",
            "svg",
            "picture",
            "video",
            "audio",
            "form",
            "hr",
            "small",
            "code",
        )
    },
}
# Elements caniemail has no page for, shown by every mail program (text-level HTML and the
# document's own head).
UNTRACKED_TAGS = {"html", "head", "meta", "title", "em", "br", "a"}
ATTRIBUTE_PAGE = {
    a: f"html-{a}"
    for a in (
        "role",
        "align",
        "valign",
        "width",
        "height",
        "cellpadding",
        "cellspacing",
        "lang",
        "aria-hidden",
        "aria-label",
        "hidden",
        "dir",
        "target",
        "srcset",
        "loading",
        "background",
    )
}
# Attributes caniemail has no page for: table and link basics every mail program reads, and
# the ones only our tests and screen readers look at (class, id, scope, alt).
UNTRACKED_ATTRIBUTES = {
    "class",
    "id",
    "style",
    "bgcolor",
    "border",
    "colspan",
    "scope",
    "alt",
    "src",
    "href",
    "charset",
    "name",
    "content",
}


@dataclass(frozen=True)
class Use:
    feature: str  # a caniemail page, e.g. "css-padding"
    example: str  # what in the email uses it, to name in a failure


def declarations(style: str) -> Iterator[tuple[str, str]]:
    for part in style.split(";"):
        if ":" in part:
            prop, value = part.split(":", 1)
            yield prop.strip().lower(), value.strip()


def css_uses(prop: str, value: str) -> Iterator[Use]:
    example = f"{prop}: {value}"
    if prop.startswith("mso-"):
        return  # Outlook's own properties: read by Outlook for Windows only, by design
    if prop in CSS_PAGE:
        yield Use(CSS_PAGE[prop], example)
    elif (FEATURES / f"css-{prop}.md").is_file():
        yield Use(f"css-{prop}", example)
    elif prop not in UNTRACKED_CSS:
        page = next((p for start, p in CSS_PREFIXES if prop.startswith(start)), None)
        yield Use(page or f"css-{prop} (no copy in tests/data/caniemail)", example)
    if prop == "display" and value.split()[0] in ("none", "flex", "grid"):
        yield Use(f"css-display-{value.split()[0]}", example)
    for unit in re.findall(r"\d(px|%|r?em|pt|vw|vh|ch)\b", value + " "):
        yield Use(UNITS[unit], example)
    for function in re.findall(r"([a-z-]+)\(", value):
        yield Use(FUNCTIONS.get(function, f"css-{function}() (no copy)"), example)
    if "!important" in value:
        yield Use("css-important", example)


def uses(page: str) -> set[Use]:
    """Every caniemail feature the HTML uses, including what sits in Outlook's conditional
    comments (parsed as HTML too: Outlook reads it)."""
    found: set[Use] = set()
    if page.lstrip().lower().startswith("<!doctype"):
        found.add(Use("html-doctype", "<!DOCTYPE html>"))
    root = html.document_fromstring(page)
    for comment in root.iter(etree.Comment):
        found.add(Use("html-comments", f"<!--{comment.text[:30]}"))
        hidden = re.fullmatch(r"\[if [^\]]+\]>(.*)<!\[endif\]", comment.text or "", re.DOTALL)
        if hidden and hidden.group(1).strip():
            holder = html.fragment_fromstring(hidden.group(1), create_parent="div")
            found |= _element_uses(holder, skip=holder)  # the <div> is lxml's, not ours
    found |= _element_uses(root)
    return found


def _element_uses(root: html.HtmlElement, skip: object = None) -> set[Use]:
    found: set[Use] = set()
    for el in root.iter():
        if not isinstance(el.tag, str) or el is skip:
            continue
        tag = el.tag.lower()
        if tag in TAG_PAGE:
            found.add(Use(TAG_PAGE[tag], f"<{tag}>"))
        elif tag not in UNTRACKED_TAGS:
            found.add(Use(f"html-{tag} (no copy in tests/data/caniemail)", f"<{tag}>"))
        if tag == "meta" and el.get("name") in ("color-scheme", "supported-color-schemes"):
            found.add(Use("html-meta-color-scheme", f'<meta name="{el.get("name")}">'))
        if tag == "a" and (el.get("href") or "").startswith("mailto:"):
            found.add(Use("html-mailto-links", "<a href=mailto:>"))
        if tag == "a" and (el.get("href") or "").startswith("#"):
            found.add(Use("html-anchor-links", "<a href=#>"))
        for attribute in el.attrib:
            if attribute in ATTRIBUTE_PAGE:
                found.add(Use(ATTRIBUTE_PAGE[attribute], f"<{tag} {attribute}=>"))
            elif attribute not in UNTRACKED_ATTRIBUTES and not attribute.startswith("data-"):
                found.add(Use(f"html-{attribute} (no copy)", f"<{tag} {attribute}=>"))
        for prop, value in declarations(el.get("style") or ""):
            found |= set(css_uses(prop, value))
    return found
