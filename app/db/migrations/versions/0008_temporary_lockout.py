"""temporary lockouts

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02

Five wrong passwords locked an account until an administrator unlocked it, so anyone who knew a
User ID could lock the practice out. A lock is now temporary, its wait growing with each one
(Keycloak's model), and permanent only after a company-set number of them: users gain the end
of their lock, the time of their last failure and their count of temporary lockouts; the policy
gains the wait increment, the longest wait, the failure reset time and that number, in place of
"unlock after minutes" (a practice that had set it keeps it as its wait increment, and its
current locks end when they would have). The 2FA rules gain "Trust addresses given by
calling programs".
"""

from collections.abc import Sequence
from datetime import timedelta

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

POLICY_COLUMNS = (
    ("lockout_wait_minutes", 1),
    ("lockout_max_wait_minutes", 15),
    ("failure_reset_hours", 12),
    ("permanent_after_lockouts", 0),
)


def upgrade() -> None:
    op.add_column("users", sa.Column("last_failed_at", sa.DateTime(), nullable=True))
    op.add_column(
        "users",
        sa.Column("temporary_lockouts", sa.Integer(), server_default=sa.text("0"), nullable=False),
    )
    op.add_column("users", sa.Column("locked_until", sa.DateTime(), nullable=True))
    for name, default in POLICY_COLUMNS:
        op.add_column(
            "password_policies",
            sa.Column(name, sa.Integer(), server_default=sa.text(str(default)), nullable=False),
        )
    policies = sa.table(
        "password_policies",
        sa.column("unlock_after_minutes", sa.Integer()),
        sa.column("lockout_wait_minutes", sa.Integer()),
        sa.column("lockout_max_wait_minutes", sa.Integer()),
    )
    wait = policies.c.unlock_after_minutes
    op.execute(
        policies.update()
        .where(wait > 0)
        .values(
            lockout_wait_minutes=wait,
            lockout_max_wait_minutes=sa.case((wait > 15, wait), else_=15),
        )
    )
    _locks_that_lift_themselves()
    op.drop_column("password_policies", "unlock_after_minutes")
    op.add_column(
        "two_factor_policies",
        sa.Column(
            "trust_caller_addresses", sa.Boolean(), server_default=sa.false(), nullable=False
        ),
    )


def _locks_that_lift_themselves() -> None:
    """A lock made under "unlock after N minutes" stays a lock for those minutes."""
    users = sa.table(
        "users",
        sa.column("id", sa.Integer()),
        sa.column("company_id", sa.Integer()),
        sa.column("login_locked", sa.Boolean()),
        sa.column("locked_at", sa.DateTime()),
        sa.column("locked_until", sa.DateTime()),
    )
    policies = sa.table(
        "password_policies",
        sa.column("company_id", sa.Integer()),
        sa.column("unlock_after_minutes", sa.Integer()),
    )
    bind = op.get_bind()
    locks = bind.execute(
        sa.select(users.c.id, users.c.locked_at, policies.c.unlock_after_minutes)
        .join(policies, policies.c.company_id == users.c.company_id)
        .where(
            users.c.login_locked.is_(True),
            users.c.locked_at.is_not(None),
            policies.c.unlock_after_minutes > 0,
        )
    ).all()
    for pk, locked_at, minutes in locks:
        bind.execute(
            users.update()
            .where(users.c.id == pk)
            .values(login_locked=False, locked_until=locked_at + timedelta(minutes=minutes))
        )


def downgrade() -> None:
    op.drop_column("two_factor_policies", "trust_caller_addresses")
    op.add_column(
        "password_policies",
        sa.Column("unlock_after_minutes", sa.Integer(), server_default="0", nullable=False),
    )
    for name, _ in POLICY_COLUMNS:
        op.drop_column("password_policies", name)
    for name in ("locked_until", "temporary_lockouts", "last_failed_at"):
        op.drop_column("users", name)
