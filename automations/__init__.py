"""Checks, highlights and digests for the Haringey Commissioning Co-Production Board.

The pipeline reads top-down: a source gives raw tables, ``board`` turns them into typed records,
``rules`` turn records into findings, and sinks (marks, digests) take the findings elsewhere.
"""

__version__ = "0.1.0"
