"""The Board's record over time: a daily snapshot of each check (history) and the activity
report to the Haringey Borough Partnership and the Joint Partnership Board built from the
workbook and that history."""
