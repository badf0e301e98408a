"""Exit statuses, and how a problem becomes one line and a status. Shared by the full command
line (cli.py, on click) and the quick door for `coprod validate` (launch.py, without click), so
both say the same thing. Imports nothing but the error family."""

from __future__ import annotations

import os

from automations.core.errors import CoprodError, LockHeld

# Exit statuses: one meaning each (README "Exit statuses"; `coprod --help`).
EXIT_OK = 0  # done; nothing needs attention
EXIT_FINDINGS = 1  # validate: the workbook has at least one error finding
EXIT_FAILED = 2  # the config, workbook or state could not be used; the message says what to fix
EXIT_LOCKED = 3  # another copy of the service is running; nothing was done
EXIT_NOT_SENT = 4  # some digests could not be sent, or a scheduled job failed
EXIT_READ_ONLY = 5  # check-access: the sheet can be read but not written
EXIT_INTERRUPTED = 130  # Ctrl-C, as a shell reports it
EXIT_BUG = 70  # an unexpected error (a bug); the message says how to report it
EXIT_STATUSES = f"""\b
Exit statuses:
  {EXIT_OK}   done; nothing needs attention
  {EXIT_FINDINGS}   validate found at least one error in the workbook
  {EXIT_FAILED}   the config, workbook or state folder could not be used (the message says why)
  {EXIT_LOCKED}   another copy of the service is running; nothing was done
  {EXIT_NOT_SENT}   some digests could not be sent, or a scheduled job failed
  {EXIT_READ_ONLY}   check-access: the sheet can be read but not written
  {EXIT_BUG}  an unexpected error: please report it"""


def failure(exc: BaseException) -> tuple[str | None, int] | None:
    """The message (None: say nothing) and exit status for a problem a command did not handle,
    or None when it must be raised again: a bug while COPROD_DEBUG asks for its traceback."""
    if isinstance(exc, LockHeld):
        return str(exc), EXIT_LOCKED
    if isinstance(exc, CoprodError):
        return str(exc), EXIT_FAILED
    if isinstance(exc, KeyboardInterrupt):
        return None, EXIT_INTERRUPTED
    if os.environ.get("COPROD_DEBUG") or not isinstance(exc, Exception):
        return None
    # A bug: one line; COPROD_DEBUG=1 shows the traceback.
    return (
        f"unexpected error ({type(exc).__name__}: {exc}). "
        "Run again with COPROD_DEBUG=1 for details, and please report it.",
        EXIT_BUG,
    )
