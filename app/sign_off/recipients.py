"""Where a user's sign-off tasks go: other active users of the company, found by a search.

A practice may have 100,000 users, so the section's load reads only the recipients a user
has; the page finds others with `search_recipients` (one statement, at most LIMIT rows) as
the operator types. A deactivated recipient a user already has is kept (and flagged); one
cannot be newly chosen, and nobody sends their sign-off tasks to themselves.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from app.access import Actor, Right
from app.db.models import User
from app.errors import ValidationError
from app.practice.company import CompanyInfo
from app.sign_off.state import Recipient
from app.validation import user_id_key

RECIPIENTS_FIELD = "recipients"
SELF = "A user's sign-off tasks cannot be sent to the user themselves."
SEARCH_LIMIT = 50


def refuse_recipients(
    session: Session,
    company_id: int,
    user_pk: int | None,
    chosen: Iterable[int],
    had: Iterable[int],
) -> dict[int, Recipient]:
    """The users ``chosen`` adds to what the user ``had``; ValidationError beside the
    recipients when they name the user themselves, or add a user who is deactivated or not
    of the company. At most one statement (none when nothing is added)."""
    chosen = set(chosen)
    if user_pk is not None and user_pk in chosen:
        raise ValidationError({RECIPIENTS_FIELD: SELF})
    added = chosen - set(had)
    if not added:
        return {}
    rows = session.execute(
        select(User.id, User.user_id, User.last_name, User.first_name, User.active).where(
            User.id.in_(added), User.company_id == company_id
        )
    ).all()
    if len(rows) != len(added):
        raise ValidationError(
            {RECIPIENTS_FIELD: "That user does not exist; search again and choose again."}
        )
    found = {pk: Recipient(pk, uid, last, first, bool(on)) for pk, uid, last, first, on in rows}
    inactive = sorted(f"{r.last_name}, {r.first_name}" for r in found.values() if not r.active)
    if inactive:
        verb = "is" if len(inactive) == 1 else "are"
        raise ValidationError(
            {
                RECIPIENTS_FIELD: f"{'; '.join(inactive)} {verb} deactivated and cannot be "
                "newly chosen."
            }
        )
    return found


def _escaped(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_recipients(
    session: Session,
    company: CompanyInfo,
    actor: Actor,
    text: str,
    *,
    excluding: int | None = None,
) -> tuple[Recipient, ...]:
    """The active users (but ``excluding``: the user being edited) whose last name, first
    name or User ID starts with each word typed, in the user list's order: one statement, at
    most SEARCH_LIMIT rows."""
    actor.require(Right.VIEW_USERS)
    words = [user_id_key(w) for w in text.split() if w.strip()]
    if not words:
        return ()
    matches = [
        or_(
            func.lower(User.last_name).like(f"{_escaped(w)}%", escape="\\"),
            func.lower(User.first_name).like(f"{_escaped(w)}%", escape="\\"),
            User.user_id_key.like(f"{_escaped(w)}%", escape="\\"),
        )
        for w in words
    ]
    query = (
        select(User.id, User.user_id, User.last_name, User.first_name)
        .where(User.company_id == company.id, User.active.is_(True), and_(*matches))
        .order_by(func.lower(User.last_name), func.lower(User.first_name), User.user_id_key)
        .limit(SEARCH_LIMIT)
    )
    if excluding is not None:
        query = query.where(User.id != excluding)
    return tuple(Recipient(pk, uid, last, first) for pk, uid, last, first in session.execute(query))
