"""The .xlsx backend: source.py reads a workbook, marks.py writes the marks, safety.py keeps the
person's file safe while it does."""
