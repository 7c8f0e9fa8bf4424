"""Bring an existing database up to the models: new tables and new nullable columns.

``create_all`` creates missing tables but never touches an existing one, so a
``var/assistant.db`` (or a production PostgreSQL) made before a column was added
would fail on every read of that table. Only additive, nullable columns are
handled: anything else (a type change, a dropped or required column) is a real
migration and must not be done silently at start.
"""
from __future__ import annotations

import logging

from sqlalchemy import inspect
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError, ProgrammingError

from procedures_db.models import Base

logger = logging.getLogger(__name__)


def missing_columns(engine: Engine) -> list[tuple[str, str]]:
    """(table, column) of the models that an existing table lacks."""
    inspector = inspect(engine)
    tables = set(inspector.get_table_names())
    missing = []
    for table in Base.metadata.sorted_tables:
        if table.name not in tables:
            continue
        present = {column["name"] for column in inspector.get_columns(table.name)}
        missing += [(table.name, column.name) for column in table.columns if column.name not in present]
    return missing


def add_missing_columns(engine: Engine) -> list[tuple[str, str]]:
    """Add the missing nullable columns; returns those added. Safe when several processes start at once."""
    added = []
    preparer = engine.dialect.identifier_preparer
    for table_name, column_name in missing_columns(engine):
        column = Base.metadata.tables[table_name].columns[column_name]
        if not column.nullable or column.server_default is not None:
            raise RuntimeError(
                f"{table_name}.{column_name} is missing and is not a nullable column: migrate the database by hand"
            )
        column_type = column.type.compile(dialect=engine.dialect)
        statement = (
            f"ALTER TABLE {preparer.quote(table_name)} ADD COLUMN {preparer.quote(column_name)} {column_type}"
        )
        try:
            with engine.begin() as connection:
                connection.exec_driver_sql(statement)
        except (OperationalError, ProgrammingError) as exc:
            # Another process (the API, the action server) added it first.
            if (table_name, column_name) in missing_columns(engine):
                raise
            logger.debug("column %s.%s added concurrently: %s", table_name, column_name, exc)
            continue
        logger.info("database schema: added column %s.%s", table_name, column_name)
        added.append((table_name, column_name))
    return added
