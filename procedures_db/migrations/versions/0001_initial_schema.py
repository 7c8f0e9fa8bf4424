"""The store's schema when migrations began (issue 14).

Catalogue, support points, dossiers, dossier events and lookup locks, hand-over
requests, feedback: a frozen copy of the tables procedures_db/models.py defined then (never edit it:
a later change of the models is a new revision). On an empty database it creates
them. A database made by ``create_all`` before migrations existed (an old
var/assistant.db, a production PostgreSQL) gets the tables it lacks and the
nullable columns added since it was made (procedures_db/schema.py), and is then
recorded at this revision like a new one: the data stays.

Revision ID: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from procedures_db.schema import add_missing_columns

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SCHEMA = sa.MetaData()

sa.Table(
    "dossiers",
    SCHEMA,
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("code", sa.String(length=64), nullable=False),
    sa.Column("procedure_code", sa.String(length=64), nullable=True),
    sa.Column("applicant_name", sa.Text(), nullable=True),
    sa.Column("phone_last4_digest", sa.String(length=64), nullable=False),
    sa.Column("status", sa.String(length=32), nullable=False),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("returned_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("note", sa.Text(), nullable=True),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint("id"),
    sa.UniqueConstraint("code"),
)
sa.Table(
    "feedback",
    SCHEMA,
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("sender_id", sa.String(length=255), nullable=True),
    sa.Column("channel", sa.String(length=64), nullable=True),
    sa.Column("rating", sa.Integer(), nullable=True),
    sa.Column("comment", sa.Text(), nullable=True),
    sa.Column("about", sa.String(length=16), nullable=False),
    sa.Column("procedure_code", sa.String(length=64), nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint("id"),
)
sa.Table(
    "handoff_requests",
    SCHEMA,
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("reference", sa.String(length=32), nullable=False),
    sa.Column("sender_id", sa.String(length=255), nullable=False),
    sa.Column("channel", sa.String(length=64), nullable=True),
    sa.Column("procedure_code", sa.String(length=64), nullable=True),
    sa.Column("summary", sa.Text(), nullable=True),
    sa.Column("status", sa.String(length=16), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint("id"),
    sa.UniqueConstraint("reference"),
)
sa.Table(
    "procedures",
    SCHEMA,
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("code", sa.String(length=64), nullable=False),
    sa.Column("name", sa.Text(), nullable=False),
    sa.Column("field", sa.String(length=255), nullable=True),
    sa.Column("levels", sa.JSON(), nullable=False),
    sa.Column("agency", sa.Text(), nullable=True),
    sa.Column("subjects", sa.Text(), nullable=True),
    sa.Column("result", sa.Text(), nullable=True),
    sa.Column("processing_time", sa.Text(), nullable=True),
    sa.Column("online", sa.String(length=16), nullable=False),
    sa.Column("online_url", sa.Text(), nullable=True),
    sa.Column("source_url", sa.Text(), nullable=True),
    sa.Column("updated_at", sa.Date(), nullable=True),
    sa.Column("aliases", sa.JSON(), nullable=False),
    sa.Column("official_name", sa.Text(), nullable=True),
    sa.Column("conditions", sa.Text(), nullable=True),
    sa.Column("decision", sa.String(length=64), nullable=True),
    sa.Column("extra", sa.JSON(), nullable=False),
    sa.Column("modified_at", sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint("id"),
    sa.UniqueConstraint("code"),
)
sa.Table(
    "support_points",
    SCHEMA,
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("key", sa.String(length=64), nullable=False),
    sa.Column("name", sa.Text(), nullable=False),
    sa.Column("kind", sa.String(length=32), nullable=False),
    sa.Column("province", sa.Text(), nullable=True),
    sa.Column("commune", sa.Text(), nullable=True),
    sa.Column("address", sa.Text(), nullable=True),
    sa.Column("hours", sa.Text(), nullable=True),
    sa.Column("phone", sa.String(length=64), nullable=True),
    sa.Column("latitude", sa.Float(), nullable=True),
    sa.Column("longitude", sa.Float(), nullable=True),
    sa.PrimaryKeyConstraint("id"),
    sa.UniqueConstraint("key"),
)
sa.Table(
    "dossier_events",
    SCHEMA,
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("dossier_id", sa.Integer(), nullable=False),
    sa.Column("status", sa.String(length=32), nullable=False),
    sa.Column("note", sa.Text(), nullable=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["dossier_id"], ["dossiers.id"], ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id"),
)
sa.Table(
    "dossier_lookup_locks",
    SCHEMA,
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("code_digest", sa.String(length=64), nullable=False),
    sa.Column("dossier_id", sa.Integer(), nullable=True),
    sa.Column("failures", sa.Integer(), nullable=False),
    sa.Column("window_started_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("total_failures", sa.Integer(), nullable=False),
    sa.Column("lockouts", sa.Integer(), nullable=False),
    sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
    sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("forget_at", sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["dossier_id"], ["dossiers.id"], ondelete="SET NULL"),
    sa.PrimaryKeyConstraint("id"),
    sa.UniqueConstraint("code_digest"),
)
sa.Table(
    "legal_basis",
    SCHEMA,
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("position", sa.Integer(), nullable=False),
    sa.Column("procedure_id", sa.Integer(), nullable=False),
    sa.Column("text", sa.Text(), nullable=False),
    sa.Column("number", sa.String(length=64), nullable=True),
    sa.Column("title", sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(["procedure_id"], ["procedures.id"], ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id"),
)
sa.Table(
    "procedure_documents",
    SCHEMA,
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("position", sa.Integer(), nullable=False),
    sa.Column("procedure_id", sa.Integer(), nullable=False),
    sa.Column("name", sa.Text(), nullable=False),
    sa.Column("originals", sa.Integer(), nullable=True),
    sa.Column("copies", sa.Integer(), nullable=True),
    sa.Column("case", sa.Text(), nullable=True),
    sa.Column("form_url", sa.Text(), nullable=True),
    sa.Column("form_name", sa.Text(), nullable=True),
    sa.Column("group", sa.String(length=16), nullable=True),
    sa.ForeignKeyConstraint(["procedure_id"], ["procedures.id"], ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id"),
)
sa.Table(
    "procedure_fees",
    SCHEMA,
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("position", sa.Integer(), nullable=False),
    sa.Column("procedure_id", sa.Integer(), nullable=False),
    sa.Column("name", sa.Text(), nullable=True),
    sa.Column("amount_vnd", sa.BigInteger(), nullable=True),
    sa.Column("text", sa.Text(), nullable=False),
    sa.Column("channel", sa.String(length=64), nullable=True),
    sa.Column("basis", sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(["procedure_id"], ["procedures.id"], ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id"),
)
sa.Table(
    "procedure_steps",
    SCHEMA,
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("position", sa.Integer(), nullable=False),
    sa.Column("procedure_id", sa.Integer(), nullable=False),
    sa.Column("text", sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(["procedure_id"], ["procedures.id"], ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id"),
)
sa.Table(
    "submission_methods",
    SCHEMA,
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("position", sa.Integer(), nullable=False),
    sa.Column("procedure_id", sa.Integer(), nullable=False),
    sa.Column("channel", sa.String(length=64), nullable=False),
    sa.Column("processing_time", sa.Text(), nullable=True),
    sa.Column("fee_text", sa.Text(), nullable=True),
    sa.Column("time_value", sa.Float(), nullable=True),
    sa.Column("time_unit", sa.String(length=32), nullable=True),
    sa.Column("fee_amount", sa.BigInteger(), nullable=True),
    sa.Column("fee_currency", sa.String(length=8), nullable=True),
    sa.Column("description", sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(["procedure_id"], ["procedures.id"], ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id"),
)

# (name, table, columns, unique)
INDEXES = [
    ("ix_feedback_created_at", "feedback", ["created_at"], False),
    ("ix_handoff_status", "handoff_requests", ["status"], False),
    ("ix_dossier_events_dossier_id", "dossier_events", ["dossier_id"], False),
    ("ix_dossier_lookup_locks_dossier_id", "dossier_lookup_locks", ["dossier_id"], False),
    ("ix_dossier_lookup_locks_forget_at", "dossier_lookup_locks", ["forget_at"], False),
    ("ix_dossier_lookup_locks_locked_until", "dossier_lookup_locks", ["locked_until"], False),
    ("ix_legal_basis_procedure_id", "legal_basis", ["procedure_id"], False),
    ("ix_procedure_documents_procedure_id", "procedure_documents", ["procedure_id"], False),
    ("ix_procedure_fees_procedure_id", "procedure_fees", ["procedure_id"], False),
    ("ix_procedure_steps_procedure_id", "procedure_steps", ["procedure_id"], False),
    ("ix_submission_methods_procedure_id", "submission_methods", ["procedure_id"], False),
]
for _name, _table, _columns, _unique in INDEXES:
    sa.Index(_name, *(SCHEMA.tables[_table].c[column] for column in _columns), unique=_unique)


def upgrade() -> None:
    bind = op.get_bind()
    SCHEMA.create_all(bind)  # only the tables that are missing
    add_missing_columns(bind, SCHEMA)  # a database made by create_all before a column was added


def downgrade() -> None:
    SCHEMA.drop_all(op.get_bind())
