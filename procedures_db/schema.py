"""Nullable columns an existing table lacks, added: how a database made before migrations catches up.

``create_all`` creates missing tables but never touches an existing one, so a
``var/assistant.db`` (or a production PostgreSQL) made by ``create_all`` before
migrations existed may lack columns added since. The first migration
(procedures_db/migrations/versions/0001_initial_schema.py) adds them with this;
later changes are migrations of their own. Only additive, nullable columns are
handled: anything else (a type change, a dropped or required column) must not
be done silently.
"""

from __future__ import annotations

import logging
from typing import Optional

from sqlalchemy import MetaData, inspect
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError, ProgrammingError

from procedures_db.models import Base

logger = logging.getLogger(__name__)


def missing_columns(bind: Engine | Connection, metadata: Optional[MetaData] = None) -> list[tuple[str, str]]:
    """(table, column) of ``metadata`` (the models' by default) that an existing table lacks."""
    metadata = Base.metadata if metadata is None else metadata
    inspector = inspect(bind)
    tables = set(inspector.get_table_names())
    missing = []
    for table in metadata.sorted_tables:
        if table.name not in tables:
            continue
        present = {column["name"] for column in inspector.get_columns(table.name)}
        missing += [(table.name, column.name) for column in table.columns if column.name not in present]
    return missing


def add_missing_columns(bind: Engine | Connection, metadata: Optional[MetaData] = None) -> list[tuple[str, str]]:
    """Adds the missing nullable columns; returns those added.

    On a connection (a migration), in its transaction. On an engine, each column in
    its own, safe when several processes start at once.
    """
    metadata = Base.metadata if metadata is None else metadata
    added = []
    preparer = bind.dialect.identifier_preparer
    for table_name, column_name in missing_columns(bind, metadata):
        column = metadata.tables[table_name].columns[column_name]
        if not column.nullable or column.server_default is not None:
            raise RuntimeError(
                f"{table_name}.{column_name} is missing and is not a nullable column: migrate the database by hand"
            )
        column_type = column.type.compile(dialect=bind.dialect)
        statement = f"ALTER TABLE {preparer.quote(table_name)} ADD COLUMN {preparer.quote(column_name)} {column_type}"
        if isinstance(bind, Connection):
            bind.exec_driver_sql(statement)
        else:
            try:
                with bind.begin() as connection:
                    connection.exec_driver_sql(statement)
            except (OperationalError, ProgrammingError) as exc:
                # Another process (the API, the action server) added it first.
                if (table_name, column_name) in missing_columns(bind, metadata):
                    raise
                logger.debug("column %s.%s added concurrently: %s", table_name, column_name, exc)
                continue
        logger.info("database schema: added column %s.%s", table_name, column_name)
        added.append((table_name, column_name))
    return added
