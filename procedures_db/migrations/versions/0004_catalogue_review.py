"""Catalogue review's table (issue 17): administrators' aliases, hidden procedures and corrected facts.

A frozen copy of the CatalogueOverride model of procedures_db/models.py as it was added
(never edit it: a later change is a new revision). Downgrading drops this table only.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if sa.inspect(op.get_bind()).has_table("catalogue_overrides"):
        return  # made by create_all from these models (a database created before it was recorded)
    op.create_table(
        "catalogue_overrides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("procedure_code", sa.String(length=64), nullable=False),
        sa.Column("hidden", sa.Boolean(), nullable=False),
        sa.Column("hidden_note", sa.Text(), nullable=True),
        sa.Column("aliases_added", sa.JSON(), nullable=False),
        sa.Column("aliases_removed", sa.JSON(), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["updated_by"], ["staff_accounts.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("procedure_code"),
    )


def downgrade() -> None:
    op.drop_table("catalogue_overrides")
