"""Shared setup for the digest and mail tests: the sample workbook (or a builders board) with
the example config, written as real files in a temporary folder."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import tomllib
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from automations.core.config import Config, parse_config
from automations.core.paths import data_path
from automations.pipeline import Validation, validate
from automations.starter.sample import MEMBERS, build_sample

LONDON = ZoneInfo("Europe/London")
# A Thursday: the sample's latest meeting is the day before (Wednesday 6 March 2024).
SAMPLE_TODAY = dt.date(2024, 3, 7)
SAMPLE_MEETING = dt.date(2024, 3, 6)
SAMPLE_NOW = dt.datetime(2024, 3, 7, 9, 0, tzinfo=LONDON)
CONFIDENTIAL_TEXTS = ("named provider", "Staffing matter", "A009", "A021")
MEMBER_EMAILS = tuple(
    m[1].lower().replace("cllr ", "").replace(" ", ".") + "@example.org" for m in MEMBERS
)


def example_config_data() -> dict[str, Any]:
    return tomllib.loads(data_path("config.example.toml").read_text(encoding="utf-8"))


def make_config(folder: Path, workbook: Path, today: dt.date, **changes: Any) -> Config:
    """The example config pointed at ``workbook``; ``changes`` replace whole tables or keys
    (None leaves a table out: the example switches [reminders] and [pack] on)."""
    data = example_config_data()
    data["source"] = {"kind": "xlsx", "path": str(workbook)}
    data["today"] = today.isoformat()
    data["mail"]["retry_delay"] = 0
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    path = folder / "config.toml"
    path.write_text("# written by the test; parsed from the dict below\n", encoding="utf-8")
    return parse_config(data, path)


def sample(tmp_path: Path, **changes: Any) -> tuple[Config, Validation]:
    workbook = build_sample(tmp_path / "board.xlsx", SAMPLE_TODAY)
    cfg = make_config(tmp_path, workbook, SAMPLE_TODAY, **changes)
    return cfg, validate(cfg, SAMPLE_TODAY)


def with_mail(cfg_changes: dict[str, Any], **mail: Any) -> dict[str, Any]:
    data = example_config_data()["mail"]
    data.update(retry_delay=0, **mail)
    return {**cfg_changes, "mail": data}


def parse(raw: bytes) -> EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[return-value]


def parts(msg: EmailMessage) -> tuple[str, str]:
    text = msg.get_body(("plain",))
    html = msg.get_body(("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


def outbox_messages(cfg: Config) -> dict[str, EmailMessage]:
    folder = cfg.base_dir / "outbox"
    return {p.name: parse(p.read_bytes()) for p in sorted(folder.glob("*.eml"))}
