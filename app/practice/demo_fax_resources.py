"""The demo practice's fax lines and resources, and which demo users are given them.

Made through the catalogs' service as the catalog editors would make them; each user's share
is saved through the editor with the rest of the user. An old fax line and an old ECG cart
are deactivated once their users have them, so the demo shows entries struck through.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.access import Actor
from app.catalogs.service import Catalogs, Kind
from app.clock import Clock
from app.db.models import UserType
from app.practice.company import CompanyInfo
from app.sections.catalog_picks import PicksEdit

FAX_LINES = (
    ("(614) 555-0190", "Main office"),
    ("(614) 555-0191", "Referrals"),
    ("(614) 555-0192", "Billing"),
    ("(614) 555-0193", "North Clinic"),
    ("(614) 555-0189", "Old main line"),  # deactivated once its users have it
)
ROOMS = ("Exam Room 1", "Exam Room 2", "Exam Room 3", "Procedure Room", "PT Gym")
MACHINES = ("X-ray", "Ultrasound", "Treadmill", "ECG cart (old)")  # the last deactivated
FRONT_TITLES = ("Front Desk", "Scheduler", "Receptionist", "Referral Coordinator")
CLINICAL_TITLES = ("Medical Assistant", "Nurse")


@dataclass(frozen=True)
class DemoCatalogs:
    """The demo's fax lines and resources by name (fax lines by label)."""

    fax: dict[str, int]
    resources: dict[str, int]
    providers: dict[tuple[str, str], int]  # a provider's resource, by (last, first)

    def edits_for(
        self, title: str, kind: UserType, name: tuple[str, str], index: int
    ) -> dict[str, PicksEdit]:
        """The Fax and Resources sections' edits of one demo user (none for most)."""
        fax, res = self.fax, self.resources
        edits: dict[str, PicksEdit] = {}
        own = self.providers.get(name)
        if kind is UserType.PROVIDER and own is not None:
            rooms = {res["Exam Room 1"], res["Exam Room 2"], res["Procedure Room"]}
            if name[0] == "Armstrong":
                rooms = {res["PT Gym"], res["Treadmill"]}
            edits["resources"] = PicksEdit({own, *rooms}, own)
            edits["fax"] = PicksEdit((), fax["Main office"])
        elif title in FRONT_TITLES:
            everyone = set(self.providers.values()) | {res[r] for r in ROOMS}
            edits["resources"] = PicksEdit(everyone, res["Exam Room 1"])
            lines = {fax["Main office"], fax["Referrals"]}
            if index % 3 == 0:
                lines.add(fax["Old main line"])
            edits["fax"] = PicksEdit(lines, fax["Main office"])
        elif title in CLINICAL_TITLES:
            machines = {res["X-ray"], res["Ultrasound"], res["ECG cart (old)"]}
            edits["resources"] = PicksEdit(machines | {res["Exam Room 3"]}, res["X-ray"])
            edits["fax"] = PicksEdit({fax["North Clinic"]}, fax["North Clinic"])
        elif title == "Billing Specialist":
            edits["fax"] = PicksEdit({fax["Billing"]}, fax["Billing"])
        return edits

    def retire(self, catalogs: Catalogs) -> None:
        """Deactivate the old line and the old cart, which some users keep."""
        catalogs.set_active(Kind.FAX, self.fax["Old main line"], False)
        catalogs.set_active(Kind.RESOURCE, self.resources["ECG cart (old)"], False)


def create_demo_catalogs(
    session: Session,
    company: CompanyInfo,
    actor: Actor,
    clock: Clock,
    providers: list[tuple[str, str, str]],
) -> DemoCatalogs:
    """The fax lines, the rooms and machines, and a resource for each provider (``providers``:
    (last, first, credentials))."""
    catalogs = Catalogs(session, company, actor, clock)
    fax = {label: catalogs.add_fax_number(number, label).id for number, label in FAX_LINES}
    resources = {name: catalogs.add_resource(name, "room").id for name in ROOMS}
    resources.update((name, catalogs.add_resource(name, "machine").id) for name in MACHINES)
    by_provider = {
        (last, first): catalogs.add_resource(f"{last}, {first} {credentials}", "provider").id
        for last, first, credentials in providers
    }
    return DemoCatalogs(fax, resources, by_provider)
