"""The yearly report as an email to [report] audience: a short plain-text note with the headline
figures, and the .xlsx and the HTML page attached."""

from __future__ import annotations

import datetime as dt
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from automations.core.text import long_date
from automations.mail.transport import one_line
from automations.record.report import BoardReport

XLSX = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
HEADLINES = (
    ("Meetings", "Meetings held"),
    ("Actions", "Actions raised"),
    ("Actions", "Actions completed"),
    ("Limiting factors", "Errors"),
    ("Limiting factors", "Warnings"),
)


def report_message(
    report: BoardReport,
    files: list[Path],
    sender: Address,
    audience: tuple[Address, ...],
    now: dt.datetime,
) -> EmailMessage:
    period = f"{long_date(report.start)} to {long_date(report.end)}"
    msg = EmailMessage()
    msg["Subject"] = one_line(f"{report.board_name}: report for {period}")
    msg["From"] = sender
    msg["To"] = audience
    msg["Date"] = format_datetime(now)
    # From the period only, so a resend after a crash is recognisable as the same report.
    msg["Message-ID"] = f"<coprod-report.{report.start}.{report.end}@{sender.domain}>"
    msg["Auto-Submitted"] = "auto-generated"
    lines = [
        f"The {report.board_name}'s report to the Haringey Borough Partnership and the Joint "
        f"Partnership Board for {period} is attached: a workbook with one tab per section, for "
        "officers to edit, and the same report as a web page.",
        "",
        *(f"- {label}: {report.figure(tab, label)}" for tab, label in HEADLINES),
        "",
        "Every figure in the report says where it comes from. Confidential actions and members' "
        "contact details are not included.",
    ]
    msg.set_content("\n".join(lines))
    for path in files:
        maintype, subtype = XLSX if path.suffix == ".xlsx" else ("text", "html")
        msg.add_attachment(
            path.read_bytes(), maintype=maintype, subtype=subtype, filename=path.name
        )
    return msg
