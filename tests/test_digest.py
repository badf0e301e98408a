"""Digest content and rendering: the sample workbook through the outbox, confidentiality,
escaping, header safety, template errors, and the HTML's accessibility basics."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from automations.cli import cli
from automations.core.errors import ConfigError
from automations.core.paths import data_path
from automations.digests import send as digest
from automations.pipeline import validate
from tests import builders
from tests.digest_setup import (
    CONFIDENTIAL_TEXTS,
    LONDON,
    MEMBER_EMAILS,
    SAMPLE_MEETING,
    SAMPLE_NOW,
    SAMPLE_TODAY,
    example_config_data,
    make_config,
    outbox_messages,
    parse,
    parts,
    sample,
)


def test_sample_digests_land_in_the_outbox_once(tmp_path: Path) -> None:
    cfg, validation = sample(tmp_path)
    outcomes = digest.send_due(cfg, validation, SAMPLE_NOW)
    assert [(o.audience, o.status) for o in outcomes] == [("HBP", "sent"), ("Senior Head", "sent")]
    assert digest.send_due(cfg, validation, SAMPLE_NOW) == []
    messages = outbox_messages(cfg)
    assert sorted(messages) == [
        "coprod-digest.2024-03-06.hbp.eml",
        "coprod-digest.2024-03-06.senior-head.eml",
    ]
    for msg in messages.values():
        raw = msg.as_bytes()
        text, _ = parts(msg)
        for secret in (*CONFIDENTIAL_TEXTS, *MEMBER_EMAILS):
            assert secret.encode() not in raw, secret
        assert "2 confidential actions are not shown" in text or "left out 2 private" in text
    hbp_text, _ = parts(messages["coprod-digest.2024-03-06.hbp.eml"])
    assert "This is an easy read email from" in hbp_text
    assert "HOW THE BOARD IS DOING" not in hbp_text  # HBP's sections leave out board health


def test_dmt_is_not_sent_while_disabled_and_is_once_enabled(tmp_path: Path) -> None:
    cfg, validation = sample(tmp_path)
    assert "DMT" not in [j.audience.name for j in digest.due_digests(cfg, validation, SAMPLE_NOW)]
    data = example_config_data()["digest"]
    data["audiences"][1]["enabled"] = True
    cfg2, validation2 = sample(tmp_path / "on", digest=data)
    jobs = digest.due_digests(cfg2, validation2, SAMPLE_NOW)
    assert [j.audience.name for j in jobs] == ["HBP", "DMT", "Senior Head"]


def test_when_digests_fall_due(tmp_path: Path) -> None:
    cfg, validation = sample(tmp_path)
    at = lambda *a: dt.datetime(*a, tzinfo=LONDON)  # noqa: E731
    # The meeting day itself: not yet due; the previous meeting's is past the catch-up window.
    assert digest.due_digests(cfg, validation, at(2024, 3, 6, 23, 59)) == []
    assert len(digest.due_digests(cfg, validation, at(2024, 3, 7, 0, 0))) == 2
    # The service was stopped for five days: still due, once.
    assert len(digest.due_digests(cfg, validation, at(2024, 3, 12, 8, 0))) == 2
    # A new install weeks later does not mail old meetings.
    assert digest.due_digests(cfg, validation, at(2024, 3, 22, 0, 1)) == []
    # An aware time in another zone is read in London time (00:30 London = 00:30 UTC in March).
    utc = dt.datetime(2024, 3, 7, 0, 30, tzinfo=dt.UTC)
    assert len(digest.due_digests(cfg, validation, utc)) == 2


def test_due_time_is_london_time_across_the_clock_change(tmp_path: Path) -> None:
    data = {**example_config_data()["digest"], "send_time": "08:00"}
    cfg, _ = sample(tmp_path, digest=data)
    settings = digest.digest_settings(cfg)
    assert digest.due_at(settings, dt.date(2024, 3, 30)).isoformat() == "2024-03-31T08:00:00+01:00"
    assert digest.due_at(settings, dt.date(2024, 10, 26)).isoformat() == "2024-10-27T08:00:00+00:00"


def test_html_is_accessible_and_self_contained(tmp_path: Path) -> None:
    cfg, validation = sample(tmp_path)
    settings = digest.digest_settings(cfg)
    for audience in (settings.audience("Senior Head"), settings.audience("HBP")):
        html = digest.render_digest(cfg, validation, audience, SAMPLE_MEETING, SAMPLE_NOW).html
        assert '<html lang="en-GB">' in html
        assert "<style" not in html  # inlined into style attributes
        assert re.search(r"<h2 style=", html) and re.search(r"<h1 style=", html)
        assert not re.search(r"<link|<script|url\(|https?://", html)
        # Pictures only in the easy read, and only as parts of the message itself (cid:).
        images = re.findall(r"<img [^>]*>", html)
        assert bool(images) == audience.easy_read
        for img in images:
            assert re.search(r'src="cid:[a-z-]+\.png@coprod-digest"', img), img
            assert re.search(r'alt="[^"]{8,}"', img), img
        for fg, bg in ColourPairs.of(html):
            assert contrast(fg, bg) >= 4.5, (fg, bg)
        if audience.easy_read:
            sizes = [int(s) for s in re.findall(r"font-size: ?(\d+)px", html)]
            assert sizes and min(sizes) >= 16


def test_typed_script_and_template_syntax_arrive_as_text(tmp_path: Path) -> None:
    actions = builders.clean_tables()["actions"]
    typed = "<script>alert('x')</script> {{ 7*7 }} {% if 1 %}yes{% endif %}"
    actions[0]["Action"] = f"{typed} ask m05@example.org"
    cfg, validation = builders_setup(tmp_path, actions=actions)
    audience = digest.digest_settings(cfg).audience("Senior Head")
    rendered = digest.render_digest(
        cfg, validation, audience, dt.date(2024, 2, 28), dt.datetime(2024, 3, 1, 9, tzinfo=LONDON)
    )
    text, html = parts(parse(rendered.message.as_bytes()))
    assert typed in text
    assert "&lt;script&gt;alert('x')&lt;/script&gt; {{ 7*7 }}" in html
    assert "<script" not in html and "49" not in text
    assert "m05@example.org" not in text + html
    assert "[email address removed]" in text


def test_line_breaks_in_names_are_refused_naming_the_key(tmp_path: Path) -> None:
    for key, change in (
        (r"digest\.board_name", lambda d: d.update(board_name="Board\r\nBcc: x@example.com")),
        (r"digest\.audiences\[3\]\.title", lambda d: d["audiences"][2].update(title="S\nX: y")),
    ):
        data = example_config_data()["digest"]
        change(data)
        with pytest.raises(ConfigError, match=key):
            digest.digest_settings(sample(tmp_path / key[8:12], digest=data)[0])


def test_line_breaks_in_names_cannot_inject_headers(tmp_path: Path) -> None:
    data = example_config_data()["digest"]
    data["audiences"][2]["recipients"] = ["Senior\r\nBcc Head <sh@example.org>"]
    cfg, validation = sample(tmp_path, digest=data)
    digest.send_due(cfg, validation, SAMPLE_NOW)
    for msg in outbox_messages(cfg).values():
        assert msg.get_all("Bcc") is None and msg.get_all("X-Evil") is None
        assert "\n" not in str(msg["Subject"])
        assert not re.search(rb"^(Bcc|X-Evil):", msg.as_bytes(), re.MULTILINE)
        assert "attacker" not in str(msg["To"])
    # A recipient that is really two addresses is refused, not guessed at.
    data["audiences"][2]["recipients"] = ["Senior\r\nBcc: attacker@example.com <sh@example.org>"]
    with pytest.raises(ConfigError, match=r"digest\.audiences\[3\]\.recipients"):
        digest.digest_settings(sample(tmp_path / "two", digest=data)[0])


def test_a_template_mistake_names_the_file_and_line(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(data_path("templates"), templates)
    page = templates / "digest.html.j2"
    lines = page.read_text(encoding="utf-8").splitlines()
    lines[30] = "<p>{{ d.no_such_thing }}</p>"
    page.write_text("\n".join(lines), encoding="utf-8")
    cfg, validation = sample(tmp_path, paths={"templates_dir": str(templates)})
    audience = digest.digest_settings(cfg).audience("Senior Head")
    with pytest.raises(digest.DigestError, match=r"templates/digest\.html\.j2, line 31"):
        digest.render_digest(cfg, validation, audience, SAMPLE_MEETING, SAMPLE_NOW)
    lines[30] = "{% if %}"
    page.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(digest.DigestError, match=r"digest\.html\.j2, line 31"):
        digest.render_digest(cfg, validation, audience, SAMPLE_MEETING, SAMPLE_NOW)
    outcome = digest.send_due(cfg, validation, SAMPLE_NOW)
    assert {o.status for o in outcome} == {"failed", "sent"}  # easy read still renders


def test_bad_recipient_or_section_names_the_key(tmp_path: Path) -> None:
    data = example_config_data()["digest"]
    data["audiences"][0]["recipients"] = ["not an address"]
    with pytest.raises(ConfigError, match=r"digest\.audiences\[1\]\.recipients"):
        digest.digest_settings(sample(tmp_path, digest=data)[0])
    data = example_config_data()["digest"]
    data["audiences"][2]["sections"] = ["raised", "gossip"]
    with pytest.raises(ConfigError, match=r"digest\.audiences\[3\]\.sections: 'gossip'"):
        digest.digest_settings(sample(tmp_path / "b", digest=data)[0])
    data = example_config_data()["digest"]
    data["subject"] = "{board} - minutes of {when}"
    with pytest.raises(ConfigError, match=r"digest\.subject: .*\{meeting\}"):
        digest.digest_settings(sample(tmp_path / "c", digest=data)[0])


def test_cli_preview_writes_files_and_send_respects_the_ledger(tmp_path: Path) -> None:
    sample(tmp_path)  # writes the workbook
    (tmp_path / "config.toml").write_text(config_toml(tmp_path), encoding="utf-8")
    run = CliRunner().invoke
    args = ["digest", "--config", str(tmp_path / "config.toml"), "--today", "2024-03-07"]
    result = run(cli, [*args, "--preview", str(tmp_path / "preview"), "--audience", "DMT"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "preview").iterdir()) == [
        "digest-2024-03-06-dmt.eml",
        "digest-2024-03-06-dmt.html",
    ]
    assert not (tmp_path / "outbox").exists()
    sent = run(cli, [*args, "--send", "--audience", "Senior Head"])
    assert sent.exit_code == 0 and "Senior Head, meeting of 6 March 2024: sent" in sent.output
    again = run(cli, [*args, "--send"])
    assert "Senior Head, meeting of 6 March 2024: already-sent" in again.output
    assert "HBP, meeting of 6 March 2024: sent" in again.output
    off = run(cli, [*args, "--send", "--audience", "DMT"])
    assert off.exit_code == 2 and "switched off" in off.output


def test_sending_by_hand_never_races_the_service(tmp_path: Path) -> None:
    from automations.service.lock import hold_lock

    cfg, _ = sample(tmp_path)
    (tmp_path / "config.toml").write_text(config_toml(tmp_path), encoding="utf-8")
    args = ["digest", "--config", str(tmp_path / "config.toml"), "--today", "2024-03-07", "--send"]
    with hold_lock(cfg.state_dir, "coprod serve (the test)"):
        busy = CliRunner().invoke(cli, args)
    assert busy.exit_code == 3 and "coprod serve (the test)" in busy.output
    assert not (tmp_path / "outbox").exists()
    assert CliRunner().invoke(cli, args).exit_code == 0
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 2


# ---------------------------------------------------------------- helpers


def builders_setup(tmp_path: Path, **tabs: list[dict[str, object]]) -> tuple:
    workbook = builders.write_workbook(tmp_path / "board.xlsx", builders.tables(**tabs))
    cfg = make_config(tmp_path, workbook, builders.TODAY)
    return cfg, validate(cfg, builders.TODAY)


def config_toml(folder: Path) -> str:
    text = data_path("config.example.toml").read_text(encoding="utf-8")
    return text.replace('path = "board.xlsx"', f'path = "{folder / "board.xlsx"}"')


class ColourPairs(HTMLParser):
    """(text colour, background colour) for every element that sets a colour."""

    def __init__(self) -> None:
        super().__init__()
        self.backgrounds = ["#ffffff"]
        self.pairs: list[tuple[str, str]] = []
        self.stack: list[bool] = []

    @classmethod
    def of(cls, html: str) -> list[tuple[str, str]]:
        parser = cls()
        parser.feed(html)
        return parser.pairs

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        style = dict(attrs).get("style") or ""
        bg = re.search(r"background-color: ?(#[0-9a-fA-F]{6})", style)
        fg = re.search(r"(?<![-\w])color: ?(#[0-9a-fA-F]{6})", style)
        if bg:
            self.backgrounds.append(bg.group(1))
        if fg:
            self.pairs.append((fg.group(1), self.backgrounds[-1]))
        if tag not in ("meta", "br", "hr", "img", "link", "input"):
            self.stack.append(bool(bg))

    def handle_endtag(self, tag: str) -> None:
        if self.stack and self.stack.pop():
            self.backgrounds.pop()


def contrast(a: str, b: str) -> float:
    def lum(h: str) -> float:
        rgb = [int(h[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_no_digest_goes_out_when_confidential_actions_cannot_be_told_apart(
    tmp_path: Path,
) -> None:
    from openpyxl import load_workbook

    cfg, _ = sample(tmp_path)
    assert cfg.source.path is not None
    wb = load_workbook(cfg.source.path)
    actions = wb["Actions"]
    header = next(c for c in actions[1] if c.value == "Confidential")
    header.value = "Confidential (Board only)"  # no longer recognised as the column
    wb.save(cfg.source.path)
    validation = validate(cfg, SAMPLE_TODAY)
    # No check needs the column, so its absence is one information finding (issue 26).
    missing = [f for f in validation.report.findings if f.rule == "schema.optional_columns"]
    assert [(f.severity.value, f.sheet) for f in missing] == [("info", "Actions")]
    assert "'Confidential'" in missing[0].message
    outcomes = digest.send_due(cfg, validation, SAMPLE_NOW)
    assert outcomes and all(o.status == "failed" for o in outcomes)
    assert "no Confidential column" in outcomes[0].describe()
    assert outbox_messages(cfg) == {}


def test_already_sent_time_is_london_time_in_summer(tmp_path: Path) -> None:
    cfg, validation = sample(tmp_path)
    jobs = digest.manual_jobs(cfg, validation, SAMPLE_MEETING, "HBP", include_disabled=False)
    summer = dt.datetime(2024, 4, 2, 10, 0, tzinfo=dt.UTC)  # 11:00 in London (BST)
    assert [o.status for o in digest.send_jobs(cfg, validation, jobs, summer)] == ["sent"]
    again = digest.send_jobs(cfg, validation, jobs, summer)
    assert again[0].status == "already-sent" and "Tuesday 2 April 2024 at 11:00" in again[0].detail


def test_a_mistyped_member_email_never_reaches_a_digest(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    cfg, _ = sample(tmp_path)
    assert cfg.source.path is not None
    wb = load_workbook(cfg.source.path)
    wb["Members"]["C6"] = "amina.hassan@example"  # no dot after the @: a schema.email error
    wb["Members"]["C7"] = "kwame.mensah@@example.org"
    wb.save(cfg.source.path)
    validation = validate(cfg, SAMPLE_TODAY)
    assert len([f for f in validation.report.findings if f.rule == "schema.email"]) == 2
    audience = digest.digest_settings(cfg).audience("Senior Head")  # gets board health
    rendered = digest.render_digest(cfg, validation, audience, SAMPLE_MEETING, SAMPLE_NOW)
    for part in (rendered.text, rendered.html):
        assert "amina.hassan@" not in part and "kwame.mensah@" not in part
    assert "[email address removed]" in rendered.text
