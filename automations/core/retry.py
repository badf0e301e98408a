"""Bounded retries: exponential backoff with jitter, and a deadline after which we give up.

Used for calls to outside services that fail now and then (rate limits, server hiccups). The
caller says which failures are worth another try; everything else is raised at once.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from automations.core.config import Section
from automations.core.errors import CoprodError

T = TypeVar("T")


class GaveUp(CoprodError):
    """Every try failed, or the time allowed ran out. The message says what and for how long."""

    def __init__(self, message: str, last: BaseException) -> None:
        super().__init__(message)
        self.last = last
        self.attempts = 0


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 6  # tries in all, the first included
    first_wait: float = 1.0  # seconds before the second try; doubles each time
    max_wait: float = 30.0
    give_up_after: float = 120.0  # seconds from the first try

    @classmethod
    def from_section(cls, section: Section) -> RetryPolicy:
        d = cls()
        policy = cls(
            attempts=section.integer("retry_attempts", d.attempts, minimum=1, maximum=50),
            first_wait=float(section.number("retry_first_wait_seconds", d.first_wait)),
            max_wait=float(section.number("retry_max_wait_seconds", d.max_wait)),
            give_up_after=float(section.number("give_up_after_seconds", d.give_up_after)),
        )
        return policy

    def wait_before(self, attempt: int, rng: Callable[[], float] = random.random) -> float:
        """Seconds to wait before try number ``attempt`` (2, 3, ...): half fixed, half random,
        so that several clients that failed together do not all come back together."""
        full = min(self.max_wait, self.first_wait * 2 ** (attempt - 2))
        return full / 2 + rng() * full / 2


def call_with_retry(
    fn: Callable[[], T],
    *,
    policy: RetryPolicy,
    transient: Callable[[BaseException], bool],
    describe: Callable[[BaseException], str] = str,
    min_wait: Callable[[BaseException], float] = lambda exc: 0.0,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    rng: Callable[[], float] = random.random,
) -> T:
    """``fn()``, tried again after a transient failure until it works or the policy says stop.

    Raises GaveUp (with the last failure) when tries or time run out; other failures pass
    through unchanged. We never start a wait that would end after the deadline.
    """
    start = clock()
    attempt = 1
    while True:
        try:
            return fn()
        except Exception as exc:
            if not transient(exc):
                raise
            elapsed = clock() - start
            wait = max(policy.wait_before(attempt + 1, rng), min(min_wait(exc), policy.max_wait))
            out_of_tries = attempt >= policy.attempts
            out_of_time = elapsed + wait > policy.give_up_after
            if out_of_tries or out_of_time:
                why = (
                    f"{attempt} tries" if out_of_tries
                    else f"{attempt} tries and the {policy.give_up_after:g} seconds allowed"
                )
                err = GaveUp(
                    f"{describe(exc)}. Gave up after {why} "
                    f"({elapsed:.1f} seconds). Try again later.",
                    exc,
                )
                err.attempts = attempt
                raise err from None
            sleep(wait)
            attempt += 1
