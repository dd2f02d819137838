"""The workspace audit log: who did what, written in the same transaction as the change."""
