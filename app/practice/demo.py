"""The demo practice: company "valley" with realistic users, providers and service locations."""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.access import Actor
from app.catalogs.service import Catalogs
from app.clock import Clock
from app.db.kinds import ScreenSignoff
from app.db.models import BuiltInRole, Company, DefaultScreen, Provider, ServiceLocation, UserType
from app.login_times.hours import DayHours, LoginTimes, today_in, weekdays_filled
from app.passwords.policy import generate_temporary_password
from app.practice.company import CompanyInfo, create_company
from app.practice.demo_fax_resources import create_demo_catalogs
from app.practice.demo_templates import add_demo_templates
from app.practice.departments import Departments
from app.practice.practice_key import practice_keys
from app.rights import Right
from app.roles.assignments import UserRoles
from app.roles.groups import GroupSetup
from app.roles.setup import RoleSetup
from app.sections.base import Target
from app.sections.editor import UserEditor
from app.sections.login_times import LoginTimesEdit
from app.sections.registry import section as editor_section
from app.sections.roles import RolesEdit
from app.sections.sign_off import SignOffEdit
from app.sign_off.state import choose
from app.users.records import UserFields
from app.users.service import UserService
from app.workplace import Work

DEMO_CODE = "valley"
DEMO_NAME = "Valley Family Medicine"
DEMO_TIME_ZONE = "America/New_York"
ADMIN_USER_ID = "mreyes"
FRONT_DESK_USER_ID = "lblake"

PROVIDERS = (
    ("Armstrong", "Stephen", "PT", "1497758544"),
    ("Hynes", "Patrick", "MD", "1245319599"),
    ("Lindqvist", "Anna", "MD", "1982736450"),
    ("Okafor", "Chidi", "DO", "1336179472"),
    ("Patel", "Priya", "NP", "1669475711"),
    ("Whitaker", "Joan", "PA-C", "1023011178"),
)
LOCATIONS = ("Family First Physicians", "Valley Main Clinic", "Valley North Clinic")

# (last, first, M.I., title, type) of the named staff; the rest are drawn from NAMES below.
STAFF = (
    ("Fox", "Kimberly", "A", "Billing Specialist", UserType.STAFF),
    ("Cassady", "Wes", "", "IT Coordinator", UserType.OTHER),
    ("Blake", "Lauren", "", "Front Desk", UserType.STAFF),
    ("Armstrong", "Stephen", "", "Physical Therapist", UserType.PROVIDER),
    ("Hynes", "Patrick", "J", "Physician", UserType.PROVIDER),
    ("Lindqvist", "Anna", "", "Physician", UserType.PROVIDER),
    ("Okafor", "Chidi", "", "Physician", UserType.PROVIDER),
    ("Patel", "Priya", "R", "Nurse Practitioner", UserType.PROVIDER),
    ("Whitaker", "Joan", "", "Physician Assistant", UserType.PROVIDER),
)
# The practice's own roles, as a family practice sets them up: (name, description, rights).
DEMO_ROLES = (
    (
        "Scheduling",
        "Books, moves and cancels appointments; registers patients and answers the portal.",
        (Right.SCHEDULE_VIEW, Right.SCHEDULE_EDIT, Right.PATIENT_REGISTRATION,
         Right.PORTAL_MESSAGES),
    ),
    (
        "Billing Clerk",
        "Posts charges and payments; runs the billing reports.",
        (Right.BILLING_VIEW, Right.BILLING_EDIT, Right.REPORTS, Right.SCHEDULE_VIEW),
    ),
    (
        "Clinical Staff",
        "Charts, lab results, documents and patients' messages.",
        (Right.CHART_VIEW, Right.CHART_EDIT, Right.LAB_RESULTS, Right.DOCUMENTS,
         Right.PORTAL_MESSAGES, Right.SCHEDULE_VIEW),
    ),
    (
        "Provider",
        "Signs and co-signs notes and prescribes.",
        (Right.CHART_VIEW, Right.CHART_EDIT, Right.COSIGN_NOTES, Right.LAB_RESULTS,
         Right.PRESCRIBE, Right.DOCUMENTS),
    ),
)  # fmt: skip
FRONT_OFFICE = "Front Office"  # the user group whose members hold the Scheduling role
DEPARTMENTS = ("Administration", "Front Office", "Billing", "Clinical")
# What a title means in the demo: (its roles, whether in the Front Office group, department).
TITLE_ACCESS: dict[str, tuple[tuple[str, ...], bool, str]] = {
    "Practice Administrator": ((), False, "Administration"),
    "IT Coordinator": ((), False, "Administration"),
    "Billing Specialist": (("Billing Clerk",), False, "Billing"),
    "Front Desk": ((), True, "Front Office"),
    "Scheduler": ((), True, "Front Office"),
    "Receptionist": ((), True, "Front Office"),
    "Medical Assistant": (("Clinical Staff",), False, "Clinical"),
    "Nurse": (("Clinical Staff",), False, "Clinical"),
}
PROVIDER_ACCESS = (("Clinical Staff", "Provider"), False, "Clinical")

FIRST_NAMES = [
    "Adrian",
    "Brooke",
    "Rachel",
    "James",
    "Phil",
    "Michelle",
    "Matt",
    "Emily",
    "Nichole",
    "Edwin",
    "Michael",
    "Melissa",
    "Blake",
    "Immanuel",
    "Adam",
    "Brad",
    "Gaila",
    "Theresa",
    "David",
    "Susan",
    "Maud",
    "Elizabeth",
    "Kandis",
    "Kyle",
    "Vinu",
    "Grace",
    "Omar",
    "Lucia",
    "Tomas",
    "Hannah",
    "Devon",
    "Aisha",
    "Marcus",
    "Renee",
    "Victor",
    "Yolanda",
    "Caleb",
    "Ingrid",
    "Rosa",
    "Darnell",
]
LAST_NAMES = [
    "Garcia",
    "Barnes",
    "Burgeson",
    "Dean",
    "Dinn",
    "Farias",
    "Fowler",
    "Glass",
    "Goldstein",
    "Hall",
    "Hansen",
    "Head",
    "Jones",
    "Kaiser",
    "Kirschling",
    "Kraeszig",
    "Krueger",
    "Laitala",
    "Low",
    "Aleyns",
    "Anstak",
    "Baker",
    "Acker",
    "Abraham",
    "Nguyen",
    "Moreno",
    "Kowalski",
    "Brennan",
    "Sato",
    "Haddad",
    "Larsen",
    "Oduya",
    "Petrov",
    "Quinn",
    "Ramos",
    "Schultz",
    "Tran",
    "Vega",
]
# Login hours by title, to show the Login Times section: the desk and clinic staff work
# weekdays, the night nurse runs past midnight; everyone else may sign in at any time.
WEEKDAY_TITLES = ("Medical Assistant", "Scheduler", "Medical Records", "Referral Coordinator")
NIGHT_SHIFT = DayHours.window(19 * 60, 7 * 60 + 30)

STAFF_TITLES = (
    "Medical Assistant", "Front Desk", "Billing Specialist", "Scheduler", "Nurse",
    "Referral Coordinator", "Office Manager", "Medical Records",
)  # fmt: skip


@dataclass(frozen=True)
class DemoResult:
    company: CompanyInfo
    admin_user_id: str
    admin_password: str | None  # None when the practice existed already
    users: int
    front_desk_user_id: str = FRONT_DESK_USER_ID
    front_desk_password: str | None = None


def create_demo_practice(
    session: Session, actor: Actor, clock: Clock, users: int = 40, seed: int = 2026
) -> DemoResult:
    """Create the demo practice, or find it if it is there already."""
    existing = session.scalar(select(Company).where(Company.code == DEMO_CODE))
    if existing is not None:
        count = len(UserService(session, CompanyInfo.of(existing), actor, clock).list_rows())
        return DemoResult(CompanyInfo.of(existing), ADMIN_USER_ID, None, count)

    rng = random.Random(seed)
    company = create_company(session, DEMO_CODE, DEMO_NAME, DEMO_TIME_ZONE, now=clock())
    practice_keys(session).made_with_practice(session, clock(), actor.name)
    providers = [
        Provider(company_id=company.id, last_name=ln, first_name=fn, credentials=cr, npi=npi)
        for ln, fn, cr, npi in PROVIDERS
    ]
    locations = [ServiceLocation(company_id=company.id, name=name) for name in LOCATIONS]
    session.add_all([*providers, *locations])
    session.flush()
    provider_by_name = {(p.last_name, p.first_name): p.id for p in providers}

    role_ids, front_office, department_ids = _demo_access(session, company, actor, clock)
    Catalogs(session, company, actor, clock).add_note_type("Telehealth Note")
    templates = add_demo_templates(session, company, actor, clock)
    catalogs = create_demo_catalogs(
        session, company, actor, clock, [(ln, fn, cr) for ln, fn, cr, _npi in PROVIDERS]
    )
    service = UserService(session, company, actor, clock)
    editor = UserEditor(Work(session, company, actor, clock))  # every section, as the window
    policy = service.credentials.policy

    def password_for(user_id: str, first: str, last: str) -> str:
        return generate_temporary_password(policy, service.credentials.owner(user_id, first, last))

    admin_password = password_for(ADMIN_USER_ID, "Maria", "Reyes")
    admin = service.create(
        UserFields(
            user_id=ADMIN_USER_ID,
            first_name="Maria",
            last_name="Reyes",
            title="Practice Administrator",
            work_phone="(614) 555-0100",
            work_ext="100",
            email="maria.reyes@valleyfamily.example",
            default_screen=DefaultScreen.DASHBOARD.value,
            service_location_id=locations[1].id,
            department_id=department_ids["Administration"],
            user_type=UserType.STAFF.value,
            new_password=admin_password,
            retype_password=admin_password,
            must_change_password=False,  # printed for the demo: ready to use
        )
    )
    roles = UserRoles(session, company, actor, clock)
    roles.set_built_in(admin.pk, BuiltInRole.ADMINISTRATOR)
    front_desk_password: str | None = None

    people = [(ln, fn, mi, title, kind) for ln, fn, mi, title, kind in STAFF]
    taken = {(ln, fn) for ln, fn, *_ in people}
    while len(people) < users - 1:
        name = (rng.choice(LAST_NAMES), rng.choice(FIRST_NAMES))
        if name in taken and len(taken) < len(LAST_NAMES) * len(FIRST_NAMES):
            continue
        taken.add(name)
        people.append((*name, "", rng.choice(STAFF_TITLES), UserType.STAFF))

    user_ids: set[str] = {ADMIN_USER_ID}
    saved: list[tuple[int, UserType]] = []  # each user's row and kind, in the order made
    for index, (last, first, mi, title, kind) in enumerate(people[: users - 1]):
        user_id = first.lower() if index == 0 else (first[0] + last).lower()
        base, n = user_id, 1
        while user_id in user_ids:
            n += 1
            user_id = f"{base}{n}"
        user_ids.add(user_id)
        front_desk = user_id == FRONT_DESK_USER_ID
        password = password_for(user_id, first, last)  # forgotten at once, but the front desk's
        slug = f"{first}.{last}".lower()
        access = (
            PROVIDER_ACCESS
            if kind is UserType.PROVIDER
            else TITLE_ACCESS.get(title, ((), False, "Administration"))
        )
        fields = UserFields(
            user_id=user_id,
            first_name=first,
            middle_initial=mi,
            last_name=last,
            title=title,
            work_phone="(614) 555-0100",
            work_ext=str(101 + index),
            email=f"{slug}@valleyfamily.example",
            email_notify=f"{slug}@valleyfamily.example" if rng.random() < 0.5 else "",
            send_email_confirmations=rng.random() < 0.3,
            default_screen=(
                DefaultScreen.SCHEDULE.value
                if kind is UserType.STAFF
                else DefaultScreen.PATIENT_CHART.value
            ),
            provider_id=provider_by_name.get((last, first)),
            department_id=department_ids[access[2]],
            service_location_id=rng.choice(locations).id,
            user_type=kind.value,
            login_locked=index % 13 == 5 and not front_desk,
            new_password=password,
            retype_password=password,
            must_change_password=not front_desk,
        )
        edits: dict[str, object] = {
            "user": fields,
            "roles": RolesEdit(
                (role_ids[name] for name in access[0]), [front_office] if access[1] else []
            ),
        }
        given = templates.edit_for(title, kind)
        if given is not None:
            edits["templates"] = given
        times = _demo_login_times(title, index, today_in(ZoneInfo(DEMO_TIME_ZONE), clock()))
        if times is not None and not front_desk:
            edits["login_times"] = LoginTimesEdit.of(times)
        edits.update(catalogs.edits_for(title, kind, (last, first), index))
        record = editor.save(Target(), edits).record
        saved.append((record.pk, kind))
        if front_desk:
            roles.set_built_in(record.pk, BuiltInRole.FRONT_DESK)
            front_desk_password = password
        if index % 9 == 7 and not front_desk:
            service.set_active(record.pk, False)
            saved.remove((record.pk, kind))  # nobody's sign-off goes to a deactivated user
    catalogs.retire(Catalogs(session, company, actor, clock))
    templates.retire(session, company, actor, clock)
    _demo_sign_off(editor, saved, admin.pk)
    return DemoResult(
        company,
        ADMIN_USER_ID,
        admin_password,
        min(users, len(people) + 1),
        front_desk_password=front_desk_password,
    )


def _demo_access(
    session: Session, company: CompanyInfo, actor: Actor, clock: Clock
) -> tuple[dict[str, int], int, dict[str, int]]:
    """The practice's own roles, the Front Office group (with the Scheduling role) and the
    departments, through their services as Role Setup, User Groups and the Department List
    would make them: (role ids by name, the group's id, department ids by name)."""
    setup = RoleSetup(session, company, actor, clock)
    role_ids: dict[str, int] = {}
    for name, description, rights in DEMO_ROLES:
        role = setup.create(name, description)
        role_ids[name] = setup.set_rights(role.id, rights).id
    groups = GroupSetup(session, company, actor, clock)
    group = groups.create(FRONT_OFFICE, "Everyone at the front desk and on the phones")
    groups.set_roles(group.id, [role_ids["Scheduling"]])
    departments = Departments(session, company, actor, clock)
    department_ids = {name: departments.add(name).id for name in DEPARTMENTS}
    return role_ids, group.id, department_ids


def _demo_sign_off(editor: UserEditor, saved: list[tuple[int, UserType]], admin_pk: int) -> None:
    """Providers approve others' notes; the first user's notes (Kimberly Fox's) need an
    additional sign-off, sent to the administrator and the first provider. No PIN: each
    user sets their own."""
    providers = [pk for pk, kind in saved if kind is UserType.PROVIDER]
    for pk in providers[:3]:
        opened = editor.open(pk, ["user", "sign_off"])
        edit: SignOffEdit = editor_section("sign_off").edit_of(opened.states["sign_off"])
        editor.save(Target(pk, opened.record.version), {"sign_off": replace(edit, approval=True)})
    if not saved:
        return
    first = saved[0][0]
    opened = editor.open(first, ["user", "sign_off"])
    state = opened.states["sign_off"]
    rows = state.screens
    if rows:
        rows = choose(rows, rows[0].note_type_id, ScreenSignoff.ALL)  # All on the top row
    picks = {"Hospital Note": ScreenSignoff.NEVER, "Office Note": ScreenSignoff.CUSTOM}
    screens = tuple((r.note_type_id, picks.get(r.name, r.choice)) for r in rows)
    edit = replace(
        editor_section("sign_off").edit_of(state),
        additional=True,
        required=True,
        screens=screens,
        recipients=frozenset({admin_pk, *providers[:1]} - {first}),
    )
    editor.save(Target(first, opened.record.version), {"sign_off": edit})


def _demo_login_times(title: str, index: int, today: date) -> LoginTimes | None:
    if index % 11 == 10:  # a temp whose contract ended last week
        return LoginTimes(expires_on=today - timedelta(days=7))
    if title in WEEKDAY_TITLES:
        return weekdays_filled(LoginTimes(), 7 * 60 + 30, 18 * 60)
    if title == "Nurse":
        days = tuple(NIGHT_SHIFT if 1 <= day <= 4 else DayHours() for day in range(7))
        return replace(LoginTimes(limited=True), days=days)
    return None
