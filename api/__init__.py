"""The REST API: conventions shared by every endpoint (errors, auth, throttling)."""
