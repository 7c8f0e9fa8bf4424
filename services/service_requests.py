"""Hand-overs to staff and citizens' feedback: the use cases of the actions, the staff API and retention.

The rows are the store's (``procedures_db/service_requests.py``); this is the
one door the layers above use, so that they never reach into the store.
"""

from __future__ import annotations

from procedures_db.service_requests import (
    RequestPurge,
    create_handoff,
    feedback_summary,
    forget_sender,
    handoff_to_json,
    list_handoffs,
    purge_service_requests,
    save_complaint,
    save_feedback,
)

__all__ = [
    "RequestPurge",
    "create_handoff",
    "feedback_summary",
    "forget_sender",
    "handoff_to_json",
    "list_handoffs",
    "purge_service_requests",
    "save_complaint",
    "save_feedback",
]
