"""Alembic's environment for the store's migrations (procedures_db/migrate.py runs them).

The migrations run on the connection procedures_db.migrate hands over (inside
its transaction, under its lock on PostgreSQL). Run from Alembic's own command
line (``alembic -c procedures_db/migrations/alembic.ini revision --autogenerate
-m "..."``, to write the next revision), they connect to ``DATABASE_URL``.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from core.settings import current as settings
from procedures_db.models import Base

connection = context.config.attributes.get("connection")
if connection is None:  # Alembic's command line
    engine = create_engine(settings().database_url, future=True)
    with engine.begin() as connection:
        context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()
else:
    # render_as_batch: SQLite alters a table by copying it; Alembic writes such revisions so.
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
