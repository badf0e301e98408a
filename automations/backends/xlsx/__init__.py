"""The local .xlsx backend. source.py reads; marks.py writes the marks part by part:
package.py (the zip and its relationships), sheetxml.py (a worksheet split where the check
writes), styles.py, notes.py, tab.py (the Validation tab), snapshot.py (the after-save proof) and
safety.py (locks, backups, the atomic replace)."""
