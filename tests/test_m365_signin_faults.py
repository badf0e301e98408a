"""Passing faults at Microsoft's sign-in service are tried again, as Graph's are."""

from __future__ import annotations

import pytest

from automations.core.errors import SourceError
from automations.pipeline import validate
from tests.builders import TODAY
from tests.test_m365_source import m365_cfg, problem_board


@pytest.mark.parametrize(("status", "retry_after"), [(429, 0), (503, 0), (0, None)])
def test_token_endpoint_fault_then_success(tmp_path, graph, status, retry_after):
    graph.add_item(problem_board(tmp_path).read_bytes())
    graph.fail("token", status, retry_after=retry_after)
    result = validate(m365_cfg(graph), TODAY)
    assert result.report.findings
    assert graph.counts["token"] == 2


def test_busy_without_retry_after_waits_out_msals_own_throttle(tmp_path, graph):
    # MSAL replays a 5xx from the token endpoint for 5 seconds when no Retry-After came
    # (msal/throttled_http_client.py): the retry must wait that out to reach the server.
    graph.add_item(problem_board(tmp_path).read_bytes())
    graph.fail("token", 503)
    result = validate(m365_cfg(graph, retry_max_wait_seconds=6, retry_attempts=2), TODAY)
    assert result.report.findings and graph.counts["token"] == 2


def test_busy_for_good_gives_up_with_a_clear_message(tmp_path, graph):
    graph.add_item(problem_board(tmp_path).read_bytes())
    graph.fail("token", 503, times=100, retry_after=0)
    with pytest.raises(SourceError, match=r"sign-in service was busy.*Gave up after 4 tries"):
        validate(m365_cfg(graph), TODAY)
    assert graph.counts["token"] == 4
