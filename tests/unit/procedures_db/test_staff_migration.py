"""Revision 0002 (the staff console's tables) goes up and down on SQLite and PostgreSQL, keeping the rest."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command

from procedures_db.db import get_engine
from procedures_db.migrate import _config, current_revision, head_revision
from procedures_db.models import HandoffRequest
from tests.unit.procedures_db.test_migrations import differences_from_the_models, empty_database  # noqa: F401

STAFF_TABLES = {"staff_accounts", "staff_sessions", "staff_login_throttle", "staff_audit_log", "staff_cases"}


def _tables(engine: sa.engine.Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


def _migrate(engine: sa.engine.Engine, direction: str, revision: str) -> None:
    with engine.begin() as connection:
        getattr(command, direction)(_config(connection), revision)


def test_the_staff_tables_go_down_and_up_again_and_the_rest_stays(empty_database):  # noqa: F811
    engine = get_engine(empty_database)
    assert head_revision() >= "0002" and STAFF_TABLES <= _tables(engine)
    with engine.begin() as connection:
        connection.execute(
            sa.insert(HandoffRequest.__table__).values(
                reference="YC-261207-ABCDE", sender_id="web:1", status="open", created_at=sa.func.now()
            )
        )
        connection.execute(
            sa.text(
                "INSERT INTO staff_accounts (username, display_name, role, password_hash, active, created_at) "
                "VALUES ('admin', 'Quản trị', 'province_admin', '$argon2id$x', :yes, CURRENT_TIMESTAMP)"
            ),
            {"yes": True},
        )

    _migrate(engine, "downgrade", "0001")
    assert current_revision(engine) == "0001"
    assert not STAFF_TABLES & _tables(engine)
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT reference FROM handoff_requests")).scalar() == "YC-261207-ABCDE"

    _migrate(engine, "upgrade", "head")
    assert current_revision(engine) == head_revision()
    assert differences_from_the_models(engine) == []
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM staff_accounts")).scalar() == 0
