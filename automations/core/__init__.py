"""Knows nothing about sheets or mail: errors, config, findings, text, logging, the state file."""
