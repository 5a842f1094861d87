"""Effective rights against a plain computation, over random role and group graphs.

The Roles section's "Effective rights" panel, "Who has this right?" and ``usersetup rights
check`` all read app.roles.effective; Keycloak's role view leaves inherited rights out, and
ours must not. Hypothesis makes one company's roles (random rights, some inactive, a key only a
newer program knows, the built-in Administrator with random stored rows or deactivated), groups
(some inactive, with random roles) and users (random direct roles and memberships), stores them
through the ORM models, and compares effective_rights, rights_of, holders and holds with the
rule said plainly: a right comes from an active role held directly, or through an active group
holding an active role; Administrator gives every right; each source reads exactly "X role" or
"G group → X role"; ``roles`` names every active role held.

Reproducible: ``derandomize`` makes the examples a function of the test alone (the same on every
run and machine, nothing read from an example database), and each example is a company of its
own in a transaction rolled back after it, so no example sees another's rows. It runs on every
database of the ``engine`` fixture: the statement is one UNION over outer joins, whose NULLs
each backend could treat differently. 40 examples keep the three backends within seconds.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, delete
from sqlalchemy.orm import Session

from app.db.models import (
    BuiltInRole,
    GroupMember,
    GroupRole,
    Role,
    RoleRight,
    User,
    UserGroup,
    UserRole,
)
from app.practice.company import CompanyInfo, create_company
from app.rights import EVERY_RIGHT, Right
from app.roles.built_in import built_in_role
from app.roles.effective import NONE, effective_rights, holders, rights_of
from app.roles.held_now import holds

AT = datetime(2026, 11, 22, 14, 30, tzinfo=UTC)
RIGHTS = sorted(Right)
FUTURE_KEY = "practice.telehealth"  # a right a newer version of the program stored
ADMINISTRATOR = "Administrator"


# The graph, as Hypothesis draws it


@dataclass(frozen=True)
class RoleSpec:
    name: str
    rights: frozenset[str]  # stored keys, perhaps one this program does not know
    active: bool
    administrator: bool = False  # the built-in one: every right whatever its rows say


@dataclass(frozen=True)
class GroupSpec:
    name: str
    roles: frozenset[int]  # indexes into the roles
    active: bool


@dataclass(frozen=True)
class UserSpec:
    roles: frozenset[int]
    groups: frozenset[int]
    active: bool


@dataclass(frozen=True)
class Graph:
    roles: tuple[RoleSpec, ...]
    groups: tuple[GroupSpec, ...]
    users: tuple[UserSpec, ...]


KEYS = st.sampled_from([r.value for r in RIGHTS] + [FUTURE_KEY])
# Names differing in case and order from their sort order by code point ("billing" after
# "Zeta" by code point, before it case-folded), and one role name shared by the built-in one.
NAMES = ["Zeta", "billing", "Front office", "ärzte", "Nurse", "x"]


@st.composite
def graphs(draw: st.DrawFn) -> Graph:
    role_count = draw(st.integers(0, 5))
    names = draw(st.permutations(NAMES))
    roles = [
        RoleSpec(names[i], draw(st.frozensets(KEYS, max_size=6)), draw(st.booleans()))
        for i in range(role_count)
    ]
    if draw(st.booleans()):  # the built-in Administrator, with random stored rows
        active = draw(st.sampled_from([True, True, False]))
        roles.append(RoleSpec(ADMINISTRATOR, draw(st.frozensets(KEYS, max_size=3)), active, True))
    indexes = (
        st.frozensets(st.integers(0, len(roles) - 1), max_size=3) if roles else st.just(frozenset())
    )
    groups = [
        GroupSpec(f"{name} group", draw(indexes), draw(st.booleans()))
        for name in draw(st.lists(st.sampled_from(NAMES), unique=True, max_size=3))
    ]
    memberships = (
        st.frozensets(st.integers(0, len(groups) - 1), max_size=3)
        if groups
        else st.just(frozenset())
    )
    users = draw(
        st.lists(st.builds(UserSpec, indexes, memberships, st.booleans()), min_size=1, max_size=4)
    )
    return Graph(tuple(roles), tuple(groups), tuple(users))


# The plain computation


@dataclass(frozen=True)
class Expected:
    sources: dict[Right, set[str]]
    roles: set[str]


def expected(graph: Graph, user: UserSpec) -> Expected:
    """The rule as it is said, on the graph itself (no SQL, no app.roles)."""
    held: list[tuple[RoleSpec, str | None]] = [
        (graph.roles[r], None) for r in user.roles if graph.roles[r].active
    ]
    for g in user.groups:
        group = graph.groups[g]
        if group.active:
            held += [(graph.roles[r], group.name) for r in group.roles if graph.roles[r].active]
    sources: dict[Right, set[str]] = {}
    for role, through in held:
        source = f"{role.name} role" if through is None else f"{through} group → {role.name} role"
        known = {Right(k) for k in role.rights if k in {r.value for r in RIGHTS}}
        for right in EVERY_RIGHT if role.administrator else known:
            sources.setdefault(right, set()).add(source)
    return Expected(sources, {role.name for role, _ in held})


# Storing it


@dataclass(frozen=True)
class Stored:
    company: CompanyInfo
    user_pks: tuple[int, ...]


def store(session: Session, graph: Graph) -> Stored:
    """The graph as rows of a company of its own, through the ORM models."""
    company = create_company(session, f"p{uuid.uuid4().hex[:12]}", "Property Practice", "UTC")
    stamp = {"updated_at": AT, "updated_by": "property test"}
    role_ids: list[int] = []
    for spec in graph.roles:
        if spec.administrator:
            role = built_in_role(session, company.id, BuiltInRole.ADMINISTRATOR)
            role.active = spec.active
            session.execute(delete(RoleRight).where(RoleRight.role_id == role.id))
        else:
            role = Role(
                company_id=company.id, name=spec.name, name_key=spec.name.casefold(),
                built_in=None, active=spec.active, **stamp,
            )  # fmt: skip
            session.add(role)
        session.flush()
        session.add_all(RoleRight(role_id=role.id, right=key) for key in sorted(spec.rights))
        role_ids.append(role.id)
    group_ids: list[int] = []
    for gspec in graph.groups:
        group = UserGroup(
            company_id=company.id, name=gspec.name, name_key=gspec.name.casefold(),
            active=gspec.active, **stamp,
        )  # fmt: skip
        session.add(group)
        session.flush()
        session.add_all(GroupRole(group_id=group.id, role_id=role_ids[r]) for r in gspec.roles)
        group_ids.append(group.id)
    user_pks: list[int] = []
    for number, uspec in enumerate(graph.users):
        user = User(
            company_id=company.id, user_id=f"user{number}", user_id_key=f"user{number}",
            first_name="Test", last_name=f"User{number}", password_hash="!",
            password_changed_at=AT, active=uspec.active, created_at=AT, **stamp,
        )  # fmt: skip
        session.add(user)
        session.flush()
        session.add_all(UserRole(user_pk=user.id, role_id=role_ids[r]) for r in uspec.roles)
        session.add_all(GroupMember(group_id=group_ids[g], user_pk=user.id) for g in uspec.groups)
        user_pks.append(user.id)
    session.flush()
    return Stored(company, tuple(user_pks))


def rolled_back(engine: Engine) -> Iterator[Session]:
    """A session whose work is rolled back after the example."""
    with engine.connect() as connection:
        transaction = connection.begin()
        session = Session(bind=connection, join_transaction_mode="create_savepoint")
        try:
            yield session
        finally:
            session.close()
            transaction.rollback()


EXAMPLES = settings(
    max_examples=40,
    derandomize=True,
    database=None,
    deadline=None,  # a server's first statements may be slow; the answer is what is checked
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@EXAMPLES
@given(graph=graphs())
def test_effective_rights_are_the_plain_rule_on_random_graphs(engine: Engine, graph: Graph) -> None:
    for session in rolled_back(engine):
        stored = store(session, graph)
        cid = stored.company.id
        everyone = effective_rights(session, cid)
        wanted = {
            pk: expected(graph, spec) for pk, spec in zip(stored.user_pks, graph.users, strict=True)
        }

        assert set(everyone) <= set(stored.user_pks)  # no one of another company
        for pk, want in wanted.items():
            got = rights_of(session, cid, pk)
            assert got == everyone.get(pk, NONE)  # one user's reading is the company's
            assert {r: set(map(str, s)) for r, s in got.sources.items()} == want.sources
            for sources in got.sources.values():  # each once, direct before through groups
                assert len(sources) == len(set(sources))
                assert list(sources) == sorted(
                    sources, key=lambda s: (s.role, s.group is not None, s.group or "")
                )
            assert set(got.roles) == want.roles and len(got.roles) == len(want.roles)
            assert list(got.roles) == sorted(got.roles, key=str.casefold)
            assert got.rights == frozenset(want.sources)

        some = stored.user_pks[::2]
        assert effective_rights(session, cid, some) == {
            pk: held for pk, held in everyone.items() if pk in some
        }
        assert effective_rights(session, cid, []) == {}

        for right in RIGHTS:
            who = holders(session, cid, right)
            assert {pk: set(map(str, s)) for pk, s in who.items()} == {
                pk: want.sources[right] for pk, want in wanted.items() if right in want.sources
            }
        for pk, spec in zip(stored.user_pks, graph.users, strict=True):
            for right in (Right.VIEW_USERS, Right.EDIT_ROLES, Right.BILLING_EDIT):
                assert holds(session, stored.company, pk, right, lambda: AT) is (
                    spec.active and right in wanted[pk].sources
                )
