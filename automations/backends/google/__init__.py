"""The Google Sheets backend: source.py reads through gspread, marks.py plans the writes."""
