"""The easy-read variant: every acronym spelled out, no sentence over 20 words, large text."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from automations.digests import send as digest
from automations.digests.context import ACRONYMS, SECTIONS, spell_out
from tests.digest_setup import SAMPLE_MEETING, SAMPLE_NOW, example_config_data, sample

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


def sentences(text: str) -> list[str]:
    out = []
    for line in text.splitlines():
        out += [s for s in re.split(r"(?<=[.!?:])\s+", line) if s.strip()]
    return out


def words(sentence: str) -> int:
    return len(re.findall(r"[A-Za-z0-9][\w'’-]*", sentence))


def easy_read(tmp_path: Path) -> tuple[str, str]:
    # Every section, so every sentence the easy-read templates can write is counted.
    data = example_config_data()["digest"]
    data["audiences"][0]["sections"] = list(SECTIONS)
    cfg, validation = sample(tmp_path, digest=data)
    audience = digest.digest_settings(cfg).audience("HBP")
    assert audience.easy_read
    rendered = digest.render_digest(cfg, validation, audience, SAMPLE_MEETING, SAMPLE_NOW)
    parser = TextBlocks()
    parser.feed(rendered.html)
    return rendered.text, "\n".join(parser.lines)


def test_every_acronym_is_spelled_out(tmp_path: Path) -> None:
    for part in easy_read(tmp_path):
        for short, long in ACRONYMS.items():
            assert f"{short} means {long}." in part
            # Wherever the acronym is used, its meaning is next to it.
            for m in re.finditer(rf"\b{short}\b", part):
                around = part[max(0, m.start() - len(long) - 2) : m.end() + len(long) + 20]
                assert long in around, (short, around)


def test_no_sentence_is_over_twenty_words(tmp_path: Path) -> None:
    for part in easy_read(tmp_path):
        counted = sentences(part)
        assert len(counted) > 100  # the whole digest was read, not an empty page
        longest = max(counted, key=words)
        assert words(longest) <= 20, longest


def test_facts_are_the_same_in_both_parts(tmp_path: Path) -> None:
    text, html = easy_read(tmp_path)
    for fact in (
        "Check with the Integrated Care Board (ICB) about joint funding for respite",
        "Who will do it: Ian McDonald.",
        "Due by 10 April 2024.",
        "It is 55 days late.",
        "We left out 2 private actions.",
        "The Board has 17 members.",
    ):
        assert fact in text and fact in html.replace("&#39;", "'"), fact


def test_spell_out_leaves_already_explained_acronyms_alone() -> None:
    assert spell_out("Ask the ICB and QA") == (
        "Ask the Integrated Care Board (ICB) and Quality Assurance (QA)"
    )
    assert (
        spell_out("Joint Partnership Board (JPB) report") == "Joint Partnership Board (JPB) report"
    )
    assert spell_out("QUALITY") == "QUALITY"
