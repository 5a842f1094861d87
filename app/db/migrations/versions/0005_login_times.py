"""login times

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22

Limited access, the hours per weekday (JSON, as app.login_hours writes them) and the date
the account expires. Existing users keep signing in at any time: limited_access is false.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("limited_access", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("login_hours", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("account_expires_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("account_expires_on")
        batch_op.drop_column("login_hours")
        batch_op.drop_column("limited_access")
