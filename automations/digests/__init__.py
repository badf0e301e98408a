"""Action-point digests: what each audience may see, rendering, what is due, the send ledger."""
