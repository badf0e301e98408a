"""What a reader's mail app shows before opening a digest, and who a reply reaches: subjects per
audience (date first, short), Reply-To to the Board officers, Content-Language; the preview
command's choice of audiences; the most urgent sections first, each action once."""

from __future__ import annotations

import pytest

from automations.app import preview_digests
from automations.core.errors import ConfigError
from automations.digests import send as digest
from automations.digests.context import SECTIONS
from tests.digest_setup import (
    SAMPLE_MEETING,
    SAMPLE_NOW,
    example_config_data,
    parse,
    parts,
    sample,
    with_mail,
)

OFFICERS = "board-officers@example.org"  # the example config's [alerts] to


def rendered(tmp_path, name: str = "Senior Head", **changes):
    cfg, validation = sample(tmp_path, **changes)
    audience = digest.digest_settings(cfg).audience(name)
    out = digest.render_digest(cfg, validation, audience, SAMPLE_MEETING, SAMPLE_NOW)
    return parse(out.message.as_bytes())


def test_subjects_put_the_date_first_and_fit_a_phone_inbox(tmp_path) -> None:
    senior = rendered(tmp_path / "s")
    easy = rendered(tmp_path / "e", "HBP")
    assert senior["Subject"] == "6 Mar Board actions: 6 late, 8 new"
    assert easy["Subject"] == "6 Mar Board meeting: easy read actions"
    for msg in (senior, easy):
        assert len(str(msg["Subject"])) <= 40
        assert msg["Content-Language"] == "en-GB"
    # An audience can have its own subject, with any of the listed fields.
    data = example_config_data()["digest"]
    data["audiences"][2]["subject"] = "{date}: {late} late, {due_soon} due soon ({audience})"
    own = rendered(tmp_path / "o", digest=data)
    title = "Senior Head of Commissioning, Brokerage and Quality Assurance"
    assert own["Subject"] == f"6 Mar: 6 late, 7 due soon ({title})"
    data["audiences"][2]["subject"] = "{date} {oops}"
    with pytest.raises(ConfigError, match=r"digest\.audiences\[3\]\.subject: .*\{late\}"):
        digest.digest_settings(sample(tmp_path / "bad", digest=data)[0])


def test_replies_reach_the_board_officers_named_in_every_footer(tmp_path) -> None:
    # Default: [mail] has no reply_to, so the first [alerts] address.
    msg = rendered(tmp_path / "a")
    assert str(msg["Reply-To"]) == f"Board officers <{OFFICERS}>"
    for part in parts(msg):
        assert OFFICERS in part and "Reply to this email" in part
    # [mail] reply_to wins over [alerts]; [digest] reply_to wins over both.
    mail = with_mail({}, reply_to="Officers <officers@example.org>")
    assert str(rendered(tmp_path / "b", **mail)["Reply-To"]) == "Officers <officers@example.org>"
    data = {**example_config_data()["digest"], "reply_to": "digests@example.org"}
    own = rendered(tmp_path / "c", digest=data, **mail)
    assert str(own["Reply-To"]) == "digests@example.org"
    assert "digests@example.org" in parts(own)[1]
    # No [alerts] to at all: replies go to the sender.
    alerts = {"to": [], "alert_after_failures": 3}
    fallback = rendered(tmp_path / "d", alerts=alerts)
    assert str(fallback["Reply-To"]) == str(fallback["From"])
    bad = {**example_config_data()["digest"], "reply_to": "not an address"}
    with pytest.raises(ConfigError, match=r"digest\.reply_to"):
        digest.digest_settings(sample(tmp_path / "e", digest=bad)[0])


def test_preview_writes_enabled_audiences_unless_one_is_named(tmp_path) -> None:
    cfg, validation = sample(tmp_path)
    written = preview_digests(cfg, validation, tmp_path / "all", now=SAMPLE_NOW)
    assert sorted(p.name for p in written) == [
        "digest-2024-03-06-hbp.eml",
        "digest-2024-03-06-hbp.html",
        "digest-2024-03-06-senior-head.eml",
        "digest-2024-03-06-senior-head.html",
    ]  # DMT is switched off in the example config
    named = preview_digests(cfg, validation, tmp_path / "dmt", audience="DMT", now=SAMPLE_NOW)
    assert sorted(p.name for p in named) == [
        "digest-2024-03-06-dmt.eml",
        "digest-2024-03-06-dmt.html",
    ]
    # The preview page carries its pictures, so it shows them when opened in a browser.
    page = (tmp_path / "all" / "digest-2024-03-06-hbp.html").read_text(encoding="utf-8")
    assert 'src="data:image/png;base64,' in page and "cid:" not in page


def test_sections_come_most_urgent_first_whatever_the_config_order(tmp_path) -> None:
    data = example_config_data()["digest"]
    data["audiences"][2]["sections"] = list(reversed(SECTIONS))
    text, _ = parts(rendered(tmp_path, digest=data))
    heads = ["Overdue actions", "Due before the next meeting", "Other action points",
             "Completed since", "Projects", "Board health"]  # fmt: skip
    positions = [text.index(h) for h in heads]
    assert positions == sorted(positions)
    # Each action once: A027 is new and due soon, so it is under due soon only, marked New.
    assert text.count("A027") == 1 and "A027 (New)" in text
    assert text.index("A027") < text.index("Other action points")
