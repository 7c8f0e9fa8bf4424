"""The HTTP application: catalogue and staff API, the web chat page (later the staff console)."""
