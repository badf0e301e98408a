"""The easy-read variant against easy-read practice (Mencap / CHANGE): sentences of at most 15
words, each action once, a picture with alt text beside every point, every picture inside the
message, a glossary of only the words the email uses, every acronym spelled out where used."""

from __future__ import annotations

import re
from collections import Counter
from email.message import EmailMessage
from html.parser import HTMLParser
from pathlib import Path

from automations.digests import send as digest
from automations.digests.context import ACRONYMS, SECTIONS, spell_out
from automations.digests.render import RenderedDigest
from tests.digest_setup import SAMPLE_MEETING, SAMPLE_NOW, example_config_data, parse, sample

BLOCKS = {"p", "li", "h1", "h2", "h3", "dt", "dd", "div", "title", "tr", "td", "th", "caption"}


class TextBlocks(HTMLParser):
    """The visible text of an HTML page, one line per block element."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = [""]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in BLOCKS:
            self.lines.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag in BLOCKS:
            self.lines.append("")

    def handle_data(self, data: str) -> None:
        self.lines[-1] += data


class Points(HTMLParser):
    """Each easy-read point (table.point): its pictures and its words; and every action's
    words (p.what), with whether it sat inside a point."""

    def __init__(self) -> None:
        super().__init__()
        self.points: list[dict[str, list[str]]] = []
        self.depth = 0  # how deep inside a point table we are (0: outside)
        self.actions: list[tuple[str, bool]] = []
        self.in_what = False
        self.what = ""
        self.images: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if tag == "table":
            if self.depth or "point" in classes:
                self.depth += 1
            if "point" in classes:
                self.points.append({"images": [], "words": []})
        if tag == "img":
            self.images.append(a)
            if self.depth:
                self.points[-1]["images"].append(a.get("alt") or "")
        if tag == "p" and "what" in classes:
            self.in_what, self.what = True, ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self.depth:
            self.depth -= 1
        if tag == "p" and self.in_what:
            self.in_what = False
            self.actions.append((self.what.strip(), self.depth > 0))

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.points[-1]["words"].append(data)
        if self.in_what:
            self.what += data


def sentences(text: str) -> list[str]:
    out = []
    for line in text.splitlines():
        out += [s for s in re.split(r"(?<=[.!?:])\s+", line) if s.strip()]
    return out


def words(sentence: str) -> int:
    return len(re.findall(r"[A-Za-z0-9][\w'’-]*", sentence))


def render(tmp_path: Path, sections: list[str] | None = None) -> RenderedDigest:
    data = example_config_data()["digest"]
    if sections is not None:
        data["audiences"][0]["sections"] = sections
    cfg, validation = sample(tmp_path, digest=data)
    audience = digest.digest_settings(cfg).audience("HBP")
    assert audience.easy_read
    return digest.render_digest(cfg, validation, audience, SAMPLE_MEETING, SAMPLE_NOW)


def easy_read(tmp_path: Path, sections: list[str] | None = None) -> tuple[str, str]:
    """(text part, the HTML's visible text) of the sample's easy read; by default with every
    section, so every sentence the easy-read templates can write is counted."""
    rendered = render(tmp_path, list(SECTIONS) if sections is None else sections)
    parser = TextBlocks()
    parser.feed(rendered.html)
    return rendered.text, "\n".join(parser.lines)


def glossary(text: str) -> tuple[dict[str, str], str]:
    """The text part's 'WORDS WE USE' list, and the text without it."""
    head, _, rest = text.partition("WORDS WE USE")
    listed, _, tail = rest.partition("QUESTIONS?")
    found = dict(re.findall(r"^(\w+) means (.+)\.$", listed, re.MULTILINE))
    return found, head + tail


def test_every_acronym_is_spelled_out_where_it_is_used(tmp_path: Path) -> None:
    for part in easy_read(tmp_path):
        for short, long in ACRONYMS.items():
            for m in re.finditer(rf"\b{short}\b", part):
                around = part[max(0, m.start() - len(long) - 2) : m.end() + len(long) + 20]
                assert long in around, (short, around)


def test_the_glossary_lists_only_words_the_email_uses(tmp_path: Path) -> None:
    text, html = easy_read(tmp_path)
    listed, body = glossary(text)
    assert listed, "the sample uses at least one acronym (ICB)"
    for short, long in listed.items():
        assert ACRONYMS[short] == long
        assert re.search(rf"\b{short}\b", body), f"{short} is listed but never used"
        assert f"{short} means {long}." in html
    # And every acronym the email uses is listed.
    used = {s for s in ACRONYMS if re.search(rf"\b{s}\b", body)}
    assert used == set(listed)


def test_no_sentence_is_over_fifteen_words(tmp_path: Path) -> None:
    rendered = render(tmp_path, list(SECTIONS))
    parser = TextBlocks()
    parser.feed(rendered.html)
    for part in (rendered.text, "\n".join(parser.lines), str(rendered.message["Subject"])):
        longest = max(sentences(part), key=words)
        assert words(longest) <= 15, longest
    assert len(sentences(rendered.text)) > 60  # the whole digest was read, every section


def test_no_action_is_shown_twice_and_every_point_has_a_picture(tmp_path: Path) -> None:
    rendered = render(tmp_path)  # the example config's HBP sections
    points = Points()
    points.feed(rendered.html)
    actions = [re.sub(r"^New\s+", "", text) for text, _ in points.actions]
    # The sample's 8 new actions, 6 late ones, 1 due soon from earlier, 1 done, 3 projects.
    assert len(actions) == 19, actions
    assert [a for a, n in Counter(actions).items() if n > 1] == []
    assert all(inside for _, inside in points.actions), "an action outside a picture point"
    for point in points.points:
        assert len(point["images"]) == 1, point
        assert len(point["images"][0]) >= 8, point  # alt text that says something
        assert "".join(point["words"]).strip()
    # Every picture in the email is in a point, and has alt text.
    assert len(points.images) == len(points.points)
    # Nothing outside the points but headings, the short lines above the first point, and the
    # footer (checked by looking at what is said outside them).
    outside = TextBlocks()
    outside.feed(re.sub(r"<table[^>]*class=\"point\".*?</table>", "", rendered.html, flags=re.S))
    loose = [line for line in outside.lines if line.strip()]
    assert len(loose) <= 16, loose


def test_every_picture_it_shows_travels_in_the_message(tmp_path: Path) -> None:
    rendered = render(tmp_path)
    msg = parse(rendered.message.as_bytes())
    html_part = msg.get_body(("html",))
    assert html_part is not None
    shown = set(re.findall(r'src="cid:([^"]+)"', html_part.get_content()))
    assert shown >= {"late.png@coprod-digest", "project.png@coprod-digest"}
    related = next(p for p in msg.walk() if p.get_content_type() == "multipart/related")
    assert related.get_payload()[0].get_content_type() == "text/html"
    inline: dict[str, EmailMessage] = {
        str(p["Content-ID"]).strip("<>"): p for p in msg.walk() if p["Content-ID"]
    }
    assert set(inline) == shown  # every picture shown is attached, and nothing more
    for part in inline.values():
        assert part.get_content_type() == "image/png"
        assert part.get_content_disposition() == "inline"
        assert part.get_content().startswith(b"\x89PNG\r\n\x1a\n")
    assert msg.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "multipart/related"]
    # The footer credits the pictures' makers and licence (CC BY-SA 4.0 asks for it).
    assert "OpenMoji" in html_part.get_content() and "CC BY-SA 4.0" in html_part.get_content()


def test_facts_are_the_same_in_both_parts(tmp_path: Path) -> None:
    text, html = easy_read(tmp_path)
    for fact in (
        "Check with the Integrated Care Board (ICB) about joint funding for respite",
        "Ian McDonald will do it by 10 April.",
        "It is 55 days late.",
        "Priya Shah did it on 28 February.",
        "We left out 2 private actions.",
        "The Board has 17 members.",
        "People and staff decide things together.",  # "Collaborate", in plain words
        "Or write to Board officers: board-officers@example.org",
    ):
        assert fact in text and fact in html.replace("&#39;", "'"), fact
    # Officer words and codes stay out: no "Who will do it", no action numbers, no
    # participation-ladder jargon.
    for jargon in ("Who will do it", "Action number", "A013", "Collaborate", "Consult"):
        assert jargon not in text and jargon not in html, jargon


def test_spell_out_leaves_already_explained_acronyms_alone() -> None:
    assert spell_out("Ask the ICB and QA") == (
        "Ask the Integrated Care Board (ICB) and Quality Assurance (QA)"
    )
    assert (
        spell_out("Joint Partnership Board (JPB) report") == "Joint Partnership Board (JPB) report"
    )
    assert spell_out("QUALITY") == "QUALITY"


def test_an_older_templates_copy_still_gets_pictures_and_a_missing_one_is_named(
    tmp_path: Path,
) -> None:
    import shutil

    import pytest

    from automations.core.paths import data_path

    templates = tmp_path / "templates"
    shutil.copytree(data_path("templates"), templates)
    shutil.rmtree(templates / "pictures")  # copied before the pictures existed
    cfg, validation = sample(tmp_path, paths={"templates_dir": str(templates)})
    audience = digest.digest_settings(cfg).audience("HBP")
    out = digest.render_digest(cfg, validation, audience, SAMPLE_MEETING, SAMPLE_NOW)
    assert "late.png@coprod-digest" in out.pictures
    macros = templates / "_macros.html.j2"
    macros.write_text(macros.read_text().replace('point("late"', 'point("rocket"'))
    page = templates / "digest_easy_read.html.j2"
    page.write_text(page.read_text().replace('point("late"', 'point("rocket"'))
    with pytest.raises(digest.DigestError, match=r"pictures/rocket\.png is missing"):
        digest.render_digest(cfg, validation, audience, SAMPLE_MEETING, SAMPLE_NOW)
