"""The scheduled service: one pass of what is due, the loop, the lock, its state and alerts."""
