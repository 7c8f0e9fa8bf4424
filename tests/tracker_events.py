"""A Rasa-shaped ``events`` table in a throwaway SQLite file, filled with made-up conversations, for the
analytics tests (the columns Rasa's SQLTrackerStore creates; no Rasa needed)."""

from __future__ import annotations

import json
from datetime import datetime

import sqlalchemy as sa

METADATA = sa.MetaData()
EVENTS = sa.Table(
    "events",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("type_name", sa.String(255), nullable=False),
    sa.Column("timestamp", sa.Float),
    sa.Column("intent_name", sa.String(255)),
    sa.Column("action_name", sa.String(255)),
    sa.Column("data", sa.Text),
)


def write_events(url: str, events: list[tuple[str, str, datetime, str | None]]) -> None:
    """(sender_id, type_name 'user' or 'action', when, action name) rows, like Rasa writes them."""
    engine = sa.create_engine(url, future=True)
    METADATA.create_all(engine)
    with engine.begin() as connection:
        connection.execute(
            EVENTS.insert(),
            [
                {
                    "sender_id": sender,
                    "type_name": kind,
                    "timestamp": at.timestamp(),
                    "intent_name": "greet" if kind == "user" else None,
                    "action_name": action,
                    "data": json.dumps({"event": kind, "text": "[đã che]" if kind == "user" else None}),
                }
                for sender, kind, at, action in events
            ],
        )
    engine.dispose()
