"""Never silent: three failed passes send one alert; the first pass that works sends one
recovery email; the emails are read back from the outbox folder as real .eml files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from automations.core.config import load_config
from automations.core.errors import ConfigError
from automations.service.alerts import alert_settings
from automations.service.loop import run_once
from automations.service.state import open_state
from tests.test_service_support import london, make_board, outbox, write_config

START = london(2024, 2, 29, 9, 0)


def _pass(cfg: object, minute: int) -> object:
    return run_once(cfg, START + dt.timedelta(minutes=minute))  # type: ignore[arg-type]


def _alerts(folder: Path) -> list[str]:
    return [str(m["Subject"]) for m in outbox(folder) if "service" in str(m["Subject"])]


def test_three_failed_passes_send_one_alert_and_recovery_sends_one_email(tmp_path: Path) -> None:
    cfg = make_board(tmp_path, dt.date(2024, 2, 28))
    workbook = tmp_path / "board.xlsx"
    hidden = workbook.rename(tmp_path / "moved-away.xlsx")
    results = [_pass(cfg, m) for m in range(5)]  # one pass a minute: each one retries
    assert [r.outcome for r in results] == ["failed"] * 5  # type: ignore[attr-defined]
    assert [r.notice for r in results] == [None, None, "alert", None, None]  # type: ignore[attr-defined]
    assert _alerts(tmp_path) == ["Co-Production Board service: the automatic checks are failing"]
    alert = next(m for m in outbox(tmp_path) if "failing" in str(m["Subject"]))
    body = alert.get_payload(decode=True).decode()
    assert str(alert["To"]) == "officer@example.org"
    assert "last 3 attempts" in body and "board.xlsx does not exist" in body
    assert "Thursday 29 February 2024 at 09:00" in body  # London time, spelled out

    hidden.rename(workbook)
    recovered = _pass(cfg, 5)
    assert recovered.outcome == "ok" and recovered.notice == "recovery"  # type: ignore[attr-defined]
    later = [_pass(cfg, m) for m in (6, 30)]
    assert [r.notice for r in later] == [None, None]  # type: ignore[attr-defined]
    assert sorted(_alerts(tmp_path)) == [
        "Co-Production Board service: the automatic checks are failing",
        "Co-Production Board service: working again",
    ]
    recovery = next(m for m in outbox(tmp_path) if "working again" in str(m["Subject"]))
    assert "failed 5 times in a row" in recovery.get_payload(decode=True).decode()
    with open_state(cfg) as state:
        assert [(a.kind, a.failures) for a in state.alerts()] == [("alert", 3), ("recovery", 5)]
        assert state.health().consecutive_failures == 0


def test_a_second_run_of_failures_sends_a_second_alert(tmp_path: Path) -> None:
    cfg = make_board(
        tmp_path,
        dt.date(2024, 2, 28),
        alerts='to = "officer@example.org"\nalert_after_failures = 2',
    )
    workbook = tmp_path / "board.xlsx"
    for attempt in range(2):
        moved = workbook.rename(tmp_path / "away.xlsx")
        base = 30 * attempt  # 09:00, then the 09:30 check
        _pass(cfg, base)
        _pass(cfg, base + 1)
        moved.rename(workbook)
        _pass(cfg, base + 2)
    with open_state(cfg) as state:
        assert [a.kind for a in state.alerts()] == ["alert", "recovery", "alert", "recovery"]
    assert len(_alerts(tmp_path)) == 4


def test_without_alerts_to_the_failure_is_logged_as_an_error(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cfg = make_board(tmp_path, dt.date(2024, 2, 28), alerts="")
    (tmp_path / "board.xlsx").unlink()
    logger = __import__("logging").getLogger("coprod")
    logger.propagate = True  # let pytest see the records
    try:
        for m in range(3):
            _pass(cfg, m)
    finally:
        logger.propagate = False
    assert _alerts(tmp_path) == []
    assert any(
        "alert.not_sent" in r.getMessage() and "alerts.to is not set" in r.getMessage()
        for r in caplog.records
        if r.levelname == "ERROR"
    )


@pytest.mark.parametrize(
    ("alerts", "message"),
    [
        ('to = ["not an address"]', "alerts.to"),
        ("alert_after_failures = 0", "alerts.alert_after_failures: must be from 1 to 1000, got 0"),
        ('too = ["a@example.org"]', "did you mean 'to'"),
    ],
)
def test_bad_alert_settings_name_the_key(tmp_path: Path, alerts: str, message: str) -> None:
    cfg = load_config(write_config(tmp_path, alerts=alerts))
    with pytest.raises(ConfigError, match=message):
        alert_settings(cfg)


def test_a_recovery_email_sent_on_a_later_pass_still_tells_the_story(tmp_path: Path) -> None:
    cfg = make_board(tmp_path, dt.date(2025, 6, 1))  # meetings far ahead: no digest is due
    workbook = tmp_path / "board.xlsx"
    hidden = workbook.rename(tmp_path / "away.xlsx")
    for m in range(3):
        _pass(cfg, m)
    assert len(_alerts(tmp_path)) == 1
    box = tmp_path / "outbox"
    box.rename(tmp_path / "outbox-away")
    box.write_text("a file where the outbox folder should be: the recovery email cannot go")
    hidden.rename(workbook)
    first = _pass(cfg, 3)
    assert first.outcome == "ok" and first.notice is None  # type: ignore[attr-defined]
    box.unlink()
    (tmp_path / "outbox-away").rename(box)
    later = _pass(cfg, 30)  # the next check slot
    assert later.notice == "recovery"  # type: ignore[attr-defined]
    recovery = next(m for m in outbox(tmp_path) if "working again" in str(m["Subject"]))
    body = recovery.get_payload(decode=True).decode()
    assert "0 times" not in body
    assert "Thursday 29 February 2024 at 09:02" in body  # when the alert went out
