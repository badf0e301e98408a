"""Raw tables -> the typed board: column schemas, records, and the Terms of Reference sums."""
