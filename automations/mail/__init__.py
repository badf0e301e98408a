"""Sending email: the outbox for trying things out, SMTP for real mail."""
