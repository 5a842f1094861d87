"""Who has this right?: the users holding a right or a role, directly or through a group,
for the privacy officer (the Role Setup dialog's list and its CSV, ``usersetup rights``),
and whether one user holds a right now, as the practice's other programs ask.

Seeing holders needs only the right to see users; anyone may ask it of themselves.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import null, select, union_all
from sqlalchemy.orm import Session

from app.access import Actor
from app.clock import Clock
from app.db.models import GroupMember, GroupRole, Role, User, UserGroup, UserRole
from app.errors import NotFoundError
from app.practice.company import CompanyInfo
from app.rights import Right
from app.roles.effective import Source, holders
from app.roles.held_now import RightNow, right_now
from app.validation import user_id_key
from app.workplace import Work

# CSV cells a spreadsheet would take for a formula (OWASP's CSV injection list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_COLUMNS = ("User ID", "Name", "Active", "Through")


@dataclass(frozen=True)
class Holder:
    """A user who holds a right or a role, and through what."""

    user_pk: int
    user_id: str
    name: str  # "Fox, Kimberly"
    active: bool
    sources: tuple[Source, ...]

    @property
    def through(self) -> str:
        """ "Billing Clerk role; Front Office group → Scheduling role"."""
        return "; ".join(str(s) for s in self.sources)


def csv_cell(value: str) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def company_role(session: Session, company: CompanyInfo, role_id: int) -> Role:
    """The company's role of this id; NotFoundError for one that is not."""
    role = session.get(Role, role_id)
    if role is None or role.company_id != company.id:
        raise NotFoundError(f"Role #{role_id} does not exist in {company.code}.")
    return role


def role_assignments(
    session: Session, role_ids: list[int], *, active_users: bool = False
) -> list[tuple[int, int, str | None]]:
    """(role, user, group or None) for each user given one of the roles directly or through
    an active group: one statement."""
    direct = select(UserRole.role_id, UserRole.user_pk, null().label("group_name")).where(
        UserRole.role_id.in_(role_ids)
    )
    grouped = (
        select(GroupRole.role_id, GroupMember.user_pk, UserGroup.name)
        .join(UserGroup, UserGroup.id == GroupRole.group_id)
        .join(GroupMember, GroupMember.group_id == UserGroup.id)
        .where(GroupRole.role_id.in_(role_ids), UserGroup.active)
    )
    given = union_all(direct, grouped).subquery()
    query = select(given.c.role_id, given.c.user_pk, given.c.group_name)
    if active_users:
        query = query.join(User, User.id == given.c.user_pk).where(User.active)
    return [(r, u, g) for r, u, g in session.execute(query).all()]


def holders_by_name(
    session: Session, company: CompanyInfo, found: dict[int, set[Source]]
) -> tuple[Holder, ...]:
    """The users by name with their sources: one statement."""
    if not found:
        return ()
    users = session.execute(
        select(User.id, User.user_id, User.last_name, User.first_name, User.active).where(
            User.company_id == company.id, User.id.in_(sorted(found))
        )
    ).all()
    shown = [
        Holder(pk, user_id, f"{last}, {first}", bool(active), tuple(sorted(found[pk])))
        for pk, user_id, last, first, active in users
    ]
    return tuple(sorted(shown, key=lambda h: (h.name.casefold(), h.user_id.casefold())))


def right_holders(work: Work) -> RightHolders:
    """Who has this right? for a job of the window or the command line."""
    return RightHolders(work.session, work.company, work.actor, work.clock)


class RightHolders:
    """Who holds the company's rights and roles, in the caller's transaction, for ``actor``."""

    def __init__(self, session: Session, company: CompanyInfo, actor: Actor, clock: Clock) -> None:
        self.session = session
        self.company = company
        self.actor = actor
        self.clock = clock

    def who_holds(self, subject: Right | int, *, include_inactive: bool = False) -> list[Holder]:
        """The users holding a right (through any of their roles, directly or through a
        group), or a role (its id), with where it comes from; active users unless
        ``include_inactive``. Seeing them needs only the right to see users."""
        self.actor.require(Right.VIEW_USERS)
        if isinstance(subject, Right):
            found = {
                pk: set(s) for pk, s in holders(self.session, self.company.id, subject).items()
            }
        else:
            role = company_role(self.session, self.company, subject)
            found = defaultdict(set)
            if role.active:  # an inactive role gives nothing to anyone
                for _role_id, user_pk, group in role_assignments(self.session, [role.id]):
                    found[user_pk].add(Source(role.name, group))
        shown = holders_by_name(self.session, self.company, found)
        return [h for h in shown if h.active or include_inactive]

    def check_right(self, user_id: str, right: Right) -> tuple[Holder, RightNow]:
        """Does this user hold ``right`` now (app.roles.held_now: not when their account is
        inactive, locked or expired)? What the practice's other programs ask (``usersetup
        rights check``); anyone may ask it of themselves, and of others with the right to see
        users. The user, and the answer with every source of the right; NotFoundError for an
        unknown User ID."""
        user = self.session.scalar(
            select(User).where(
                User.company_id == self.company.id, User.user_id_key == user_id_key(user_id)
            )
        )
        if user is None or user.id != self.actor.user_pk:
            self.actor.require(Right.VIEW_USERS)
        if user is None:
            raise NotFoundError(f"There is no user {user_id!r} in {self.company.code}.")
        answer = right_now(self.session, self.company, user.id, right, self.clock)
        name = f"{user.last_name}, {user.first_name}"
        return Holder(user.id, user.user_id, name, user.active, answer.sources), answer

    def holders_csv(self, subject: Right | int, *, include_inactive: bool = False) -> str:
        """ "Who has this right?" as CSV for the privacy officer: User ID, Name, Active,
        Through; no cell can run as a spreadsheet formula."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(CSV_COLUMNS)
        for holder in self.who_holds(subject, include_inactive=include_inactive):
            writer.writerow(
                [
                    csv_cell(holder.user_id),
                    csv_cell(holder.name),
                    "yes" if holder.active else "no",
                    csv_cell(holder.through),
                ]
            )
        return out.getvalue()


__all__ = [
    "CSV_COLUMNS",
    "Holder",
    "RightHolders",
    "company_role",
    "csv_cell",
    "holders_by_name",
    "right_holders",
    "role_assignments",
]
