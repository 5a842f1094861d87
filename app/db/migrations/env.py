"""Alembic environment: run by app.db.upgrade on the connection it passes in."""

import sqlalchemy as sa
from alembic import context

from app.db.models import Base

# From this revision on, authenticator keys are sealed with the practice key.
SEALED_FROM = "0007"
SEALED = (
    "This database's authenticator keys are sealed with its practice key, which the "
    "earlier version cannot open: it cannot go back to it."
)

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("Run migrations through 'usersetup db upgrade'.")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)


def refuse_unsealing(connection: sa.Connection) -> None:
    """Going back below SEALED_FROM with sealed keys is refused before the first step:
    MariaDB commits each ALTER, so a refusal by that revision's own step would leave the
    later steps undone and the schema neither version."""
    target = context.get_revision_argument()
    below = target == "base" or (
        isinstance(target, str) and target[:4].isdigit() and target[:4] < SEALED_FROM
    )
    if not below or "practice_key" not in sa.inspect(connection).get_table_names():
        return
    if connection.execute(sa.text("SELECT COUNT(*) FROM practice_key")).scalar():
        raise RuntimeError(SEALED)


refuse_unsealing(connection)
with context.begin_transaction():
    context.run_migrations()
