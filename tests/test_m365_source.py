"""The Microsoft 365 backend: the same findings and marks as the local file, uploads only when
the marks change and only onto the version that was read (If-Match), and a constant number of
calls whatever the number of rows.

The real msal and requests talk HTTPS to tests/m365_server.py on 127.0.0.1.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from automations.app import write_back
from automations.backends.microsoft365.graph import forget_tokens
from automations.backends.microsoft365.source import Microsoft365Source, share_token
from automations.backends.xlsx.marks import current_state
from automations.core.config import parse_config
from automations.core.errors import ConfigError, SourceError
from automations.pipeline import validate
from automations.settings import SECTIONS
from automations.starter.sample import build_sample
from tests.builders import TODAY, D, config_for, edit, tables, write_workbook
from tests.m365_server import DRIVE, ITEM, SHARING_URL, GraphServer, m365_section

NOW = dt.datetime(2024, 3, 1, 9, 0)


def m365_cfg(api: GraphServer, source: dict | None = None, **extra: object):
    data = {"source": source or {"kind": "microsoft365", "drive_id": DRIVE, "item_id": ITEM},
            "microsoft365": m365_section(api, **extra), "today": TODAY}
    cfg = parse_config(data, None)
    for check in SECTIONS.values():  # the same checks as settings.load_settings
        check(cfg)
    return cfg


def run(api: GraphServer, **extra: object):
    cfg = m365_cfg(api, **extra)
    result = validate(cfg, TODAY)
    return result, write_back(cfg, result, NOW)


def comparable(report) -> list[tuple[object, ...]]:
    return [(f.rule, f.severity, f.sheet, f.row, f.column, f.cell, f.message)
            for f in report.findings]


def marks_of(data: bytes):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "downloaded.xlsx"
        path.write_bytes(data)
        return current_state(path)


def problem_board(tmp_path: Path, rows: int = 0) -> Path:
    data = edit(tables(), "actions", 0, Due=D(2024, 2, 20), Owner="Nobody")
    edit(data, "members", 3, Joined="31/02/2023", Email="=not an email")
    for n in range(rows):
        data["actions"].append({**data["actions"][1], "Action ID": f"X{n}"})
    return write_workbook(tmp_path / "board.xlsx", data)


def test_sample_board_same_findings_and_marks_as_the_local_file(tmp_path, graph):
    local = build_sample(tmp_path / "sample.xlsx", TODAY)
    graph.add_item(local.read_bytes())
    cloud, written = run(graph)
    local_cfg = config_for(local)
    local_run = validate(local_cfg, TODAY)
    write_back(local_cfg, local_run, NOW)
    assert len(cloud.report.findings) > 5
    assert comparable(cloud.report) == comparable(local_run.report)
    assert cloud.report.source == "Board tracker.xlsx"
    assert written.changed and graph.counts["upload"] == 1
    expected = current_state(local)
    assert len(expected.rules) > 5
    assert marks_of(graph.item().content) == expected
    assert len(graph.item().history) == 1  # the version before the marks is kept


def test_a_workbook_saved_by_libreoffice_same_as_the_local_file(tmp_path, graph):
    from tests.office import convert

    saved = convert(problem_board(tmp_path), "xlsx:Calc MS Excel 2007 XML", tmp_path / "lo")
    graph.add_item(saved.read_bytes())
    cloud, written = run(graph)
    local_cfg = config_for(saved)
    local_run = validate(local_cfg, TODAY)
    write_back(local_cfg, local_run, NOW)
    assert cloud.report.findings and comparable(cloud.report) == comparable(local_run.report)
    assert written.changed
    assert marks_of(graph.item().content) == current_state(saved)


def test_no_change_run_uploads_nothing(tmp_path, graph):
    graph.add_item(problem_board(tmp_path).read_bytes())
    run(graph)
    graph.reset_counts()
    _, written = run(graph)
    assert not written.changed
    assert "nothing was uploaded" in written.message
    assert graph.counts["upload"] == 0 and graph.counts["upload-session"] == 0
    assert graph.counts["token"] == 0  # the token from the first run is still good
    assert graph.item().version == 2


def test_a_token_is_reused_until_it_nears_its_end(tmp_path, graph):
    graph.add_item(problem_board(tmp_path).read_bytes())
    validate(m365_cfg(graph), TODAY)
    validate(m365_cfg(graph), TODAY)
    assert graph.counts["token"] == 1
    # MSAL does not hand out a cached token with under five minutes left: each of the two
    # Graph calls of a read (metadata, content) then asks for a new one.
    forget_tokens()
    graph.token_lifetime = 120
    validate(m365_cfg(graph), TODAY)
    validate(m365_cfg(graph), TODAY)
    assert graph.counts["token"] == 1 + 2 * 2


def test_a_save_between_download_and_upload_loses_nothing(tmp_path, graph):
    graph.add_item(problem_board(tmp_path).read_bytes())
    cfg = m365_cfg(graph)
    result = validate(cfg, TODAY)
    # A person fixes the overdue action and saves, while the check is still working.
    theirs = write_workbook(tmp_path / "theirs.xlsx", edit(
        tables(), "members", 3, Joined="31/02/2023", Email="=not an email")).read_bytes()
    graph.save_as_person(theirs)
    written = write_back(cfg, result, NOW)
    assert not written.changed
    assert "saved by someone" in written.message and "next check" in written.message
    assert graph.counts["upload"] == 1  # tried once with the old eTag: 412, not retried
    assert graph.item().content == theirs  # their save stands, byte for byte
    # The next check reads their version and marks it: the action's mark is gone.
    _again, written = run(graph)
    assert written.changed
    marks = marks_of(graph.item().content)
    assert not [r for r in marks.rules if r[0] == "Actions"]
    assert [r for r in marks.rules if r[0] == "Members"]
    assert graph.item().history[-1] == theirs


def test_an_injected_412_drops_the_write_and_is_not_retried(tmp_path, graph):
    graph.add_item(problem_board(tmp_path).read_bytes())
    graph.fail("upload", 412)
    _, written = run(graph)
    assert not written.changed and "saved by someone" in written.message
    assert graph.counts["upload"] == 1 and graph.item().version == 1


def test_a_locked_file_is_a_clear_message_and_the_next_check_marks_it(tmp_path, graph):
    graph.add_item(problem_board(tmp_path).read_bytes()).locked = True
    with pytest.raises(SourceError, match=r"checked out or locked in SharePoint.*next check"):
        run(graph)
    assert graph.item().version == 1
    graph.item().locked = False
    _, written = run(graph)
    assert written.changed and graph.item().version == 2


@pytest.mark.parametrize("rows", [10, 5000])
def test_calls_do_not_grow_with_rows(tmp_path, graph, rows):
    graph.add_item(problem_board(tmp_path, rows).read_bytes())
    _, written = run(graph)
    assert written.changed
    # sign-in: discovery + token; Graph: metadata, content (302) + download, one upload.
    assert dict(graph.counts) == {"discovery": 1, "token": 1, "metadata": 1, "content": 1,
                                  "download": 1, "upload": 1}


def test_report_copy_leaves_the_file_in_microsoft_365_alone(tmp_path, graph):
    graph.add_item(problem_board(tmp_path).read_bytes())
    cfg = m365_cfg(graph)
    written = write_back(cfg, validate(cfg, TODAY), NOW, report=tmp_path / "marked.xlsx")
    assert "Board tracker.xlsx in Microsoft 365 was not changed" in written.message
    assert marks_of((tmp_path / "marked.xlsx").read_bytes()).rules
    assert graph.counts["upload"] == 0 and graph.item().version == 1


def test_sharing_link_is_resolved_through_shares(tmp_path, graph):
    graph.add_item(problem_board(tmp_path).read_bytes())
    cfg = m365_cfg(graph, {"kind": "microsoft365", "sharing_url": SHARING_URL})
    write_back(cfg, validate(cfg, TODAY), NOW)
    assert graph.counts["shares"] == 1 and graph.counts["metadata"] == 0
    shares_path = next(p for k, p, _ in graph.log if k == "shares")
    assert shares_path == f"/v1.0/shares/{share_token(SHARING_URL)}/driveItem"
    assert share_token("https://a.b/c?d=1") == "u!aHR0cHM6Ly9hLmIvYz9kPTE"
    assert graph.item().version == 2


def big_board(tmp_path: Path) -> bytes:
    """The problem board with a tab of text that does not compress: about 1 MB."""
    import secrets

    path = problem_board(tmp_path)
    wb = load_workbook(path)
    notes = wb.create_sheet("Notes")
    for _ in range(4000):
        notes.append([secrets.token_urlsafe(240)])
    wb.save(path)
    return path.read_bytes()


def test_upload_session_above_the_simple_upload_limit(tmp_path, graph):
    board = big_board(tmp_path)
    assert len(board) > 2 * 320 * 1024  # so that it takes several fragments
    graph.add_item(board)
    graph.fail("upload-fragment", 503, retry_after=0)  # one fragment is refused once
    _, written = run(graph, simple_upload_max_bytes=100_000, upload_fragment_bytes=327680)
    assert written.changed
    uploaded = graph.item().content
    fragments = -(-len(uploaded) // 327680)
    assert graph.counts["upload"] == 0 and graph.counts["upload-session"] == 1
    assert graph.counts["upload-fragment"] == fragments + 1
    session_call = next(h for k, _, h in graph.log if k == "upload-session")
    assert session_call["If-Match"] == '"{01BOARDITEMID},1"'
    assert len(marks_of(uploaded).rules) >= 2


def test_upload_session_refused_when_the_file_changed(tmp_path, graph):
    graph.add_item(problem_board(tmp_path).read_bytes())
    cfg = m365_cfg(graph, simple_upload_max_bytes=1000)
    result = validate(cfg, TODAY)
    graph.save_as_person(b"their new version")
    written = write_back(cfg, result, NOW)
    assert not written.changed and graph.item().content == b"their new version"
    assert graph.counts["upload-fragment"] == 0


@pytest.mark.parametrize(("status", "retry_after"), [(429, 0), (503, None), (504, None),
                                                     (0, None)])
def test_passing_faults_are_tried_again(tmp_path, graph, status, retry_after):
    graph.add_item(problem_board(tmp_path).read_bytes())
    graph.fail("metadata", status, times=2, retry_after=retry_after)
    graph.fail("upload", status, retry_after=retry_after)
    _, written = run(graph)
    assert written.changed
    assert graph.counts["metadata"] == 3 and graph.counts["upload"] == 2


def test_retry_after_is_honoured(tmp_path, graph):
    import time

    graph.add_item(problem_board(tmp_path).read_bytes())
    graph.fail("metadata", 429, retry_after=1)
    stamps: list[float] = []
    original = graph.handle

    def stamped(*args, **kwargs):
        stamps.append(time.monotonic())
        return original(*args, **kwargs)

    graph.handle = stamped  # type: ignore[method-assign]
    validate(m365_cfg(graph, retry_max_wait_seconds=5), TODAY)
    kinds = [k for k, _, _ in graph.log]
    first, second = (stamps[i] for i, k in enumerate(kinds) if k == "metadata")
    assert second - first >= 1.0


def test_faults_that_last_give_up_with_a_clear_message(tmp_path, graph):
    graph.add_item(problem_board(tmp_path).read_bytes())
    graph.fail("metadata", 503, times=100)
    with pytest.raises(SourceError, match=r"status 503\).*Gave up after 4 tries"):
        validate(m365_cfg(graph), TODAY)
    assert graph.counts["metadata"] == 4


@pytest.mark.parametrize(("where", "message"), [
    ({"drive_id": DRIVE, "item_id": "nope"}, "There is no file at drive"),
    ({"sharing_url": "https://haringey.sharepoint.com/:x:/s/other"}, "no file at the sharing"),
])
def test_wrong_address_names_the_setting(tmp_path, graph, where, message):
    graph.add_item(problem_board(tmp_path).read_bytes())
    with pytest.raises(SourceError, match=message):
        validate(m365_cfg(graph, {"kind": "microsoft365", **where}), TODAY)


def test_read_only_app_reads_but_is_told_to_get_write_access(tmp_path, graph):
    graph.add_app(roles=("Files.Read.All",))
    graph.add_item(problem_board(tmp_path).read_bytes())
    with pytest.raises(SourceError, match="administrator must grant"):
        run(graph)
    assert graph.item().version == 1


def test_wrong_secret_is_named_without_showing_it(tmp_path, graph, monkeypatch):
    graph.add_item(problem_board(tmp_path).read_bytes())
    monkeypatch.setenv("COPROD_TEST_M365_SECRET", "wrong-secret-value")
    with pytest.raises(SourceError) as caught:
        validate(m365_cfg(graph), TODAY)
    text = str(caught.value)
    assert "AADSTS7000215" in text and "$COPROD_TEST_M365_SECRET" in text
    assert "wrong-secret-value" not in text


def cert_cfg(graph: GraphServer, pem: Path, thumbprint: str):
    section = {k: v for k, v in m365_section(graph).items() if k != "client_secret_env"}
    data = {"source": {"kind": "microsoft365", "drive_id": DRIVE, "item_id": ITEM},
            "microsoft365": {**section, "certificate_file": str(pem),
                             "certificate_thumbprint": thumbprint}}
    cfg = parse_config(data, None)
    SECTIONS["microsoft365"](cfg)
    return cfg


def test_certificate_sign_in(tmp_path, graph, monkeypatch):
    monkeypatch.delenv("COPROD_TEST_M365_SECRET")
    pem, thumbprint = graph.add_certificate_app(tmp_path)
    graph.add_item(problem_board(tmp_path).read_bytes())
    result = validate(cert_cfg(graph, pem, thumbprint), TODAY)
    assert result.report.findings and graph.counts["token"] == 1


def test_a_certificate_the_app_does_not_have_is_refused(tmp_path, graph):
    pem, thumbprint = graph.add_certificate_app(tmp_path)
    other = tmp_path / "other"
    other.mkdir()
    graph.add_certificate_app(other)  # the app's registered certificate was replaced
    graph.add_item(problem_board(tmp_path).read_bytes())
    with pytest.raises(SourceError, match=r"AADSTS700027.*certificate"):
        validate(cert_cfg(graph, pem, thumbprint), TODAY)


@pytest.mark.parametrize(("section", "message"), [
    ({"client_id": "x"}, "microsoft365.tenant_id: missing"),
    ({"tenant_id": "t", "client_id": "c"}, "client_secret_env: give either"),
    ({"tenant_id": "t", "client_id": "c", "client_secret_env": "S",
      "certificate_file": "a.pem", "certificate_thumbprint": "AB" * 20}, "not both"),
    ({"tenant_id": "t", "client_id": "c", "certificate_file": "a.pem"},
     "certificate_thumbprint: missing"),
    ({"tenant_id": "t", "client_id": "c", "certificate_file": "a.pem",
      "certificate_thumbprint": "xyz"}, "40 hexadecimal"),
    ({"tenant_id": "t", "client_id": "c", "client_secret_env": "S",
      "graph_url": "http://graph"}, "graph_url: expected an address starting https://"),
    ({"tenant_id": "t", "client_id": "c", "client_secret_env": "S",
      "upload_fragment_bytes": 400000}, "multiple of 327680"),
    ({"tenant_id": "t", "client_id": "c", "client_secret_env": "S", "tenant": "x"},
     "microsoft365.tenant: not a setting; did you mean 'tenant_id'"),
])
def test_settings_are_checked(section, message):
    cfg = parse_config({"source": {"path": "board.xlsx"}, "microsoft365": section}, None)
    with pytest.raises(ConfigError, match=message):
        SECTIONS["microsoft365"](cfg)


@pytest.mark.parametrize(("source", "message"), [
    ({"kind": "microsoft365", "drive_id": "d"}, "source.item_id: missing"),
    ({"kind": "microsoft365"}, "source.drive_id: missing"),
    ({"kind": "microsoft365", "sharing_url": "http://x", }, "starting https://"),
    ({"kind": "microsoft365", "sharing_url": "https://x", "drive_id": "d"}, "not both"),
    ({"kind": "microsoft365", "path": "a.xlsx"}, "source.path: not a setting"),
])
def test_source_settings_are_checked(source, message):
    with pytest.raises(ConfigError, match=message):
        parse_config({"source": source}, None)


def test_source_without_the_microsoft365_section(tmp_path):
    cfg = parse_config({"source": {"kind": "microsoft365", "drive_id": "d", "item_id": "i"}},
                       None)
    with pytest.raises(ConfigError, match=r"\[microsoft365\]: missing"):
        Microsoft365Source.from_config(cfg)
