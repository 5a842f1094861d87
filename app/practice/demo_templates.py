"""The demo practice's chart templates, and which of its people may use which.

Added through the catalog service, as an administrator would add them; one letter is
deactivated after the billing and front-desk staff were given it, so the demo shows a
template a user still has, struck through.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.access import Actor
from app.catalogs.service import Catalogs, Kind
from app.catalogs.user_templates import TemplatesEdit
from app.clock import Clock
from app.db.catalog_models import ChartTab
from app.db.models import UserType
from app.practice.company import CompanyInfo

# chart tab -> category -> templates
TEMPLATES: dict[str, dict[str, tuple[str, ...]]] = {
    "Orders": {
        "Labs": ("CBC", "BMP", "CMP", "Lipid Panel", "Hemoglobin A1c", "TSH", "Urinalysis"),
        "Imaging": ("Chest X-ray", "Knee MRI", "Abdominal Ultrasound"),
        "Referrals": ("Cardiology Referral", "Physical Therapy Referral"),
    },
    "Assessments": {
        "Chronic Conditions": ("Hypertension", "Type 2 Diabetes", "Asthma"),
        "Acute": ("Upper Respiratory Infection", "Low Back Pain"),
    },
    "Exams": {
        "Adult": ("Annual Physical", "Sports Physical"),
        "Focused": ("Knee Exam", "Shoulder Exam"),
    },
    "HPI": {"General": ("Chest Pain", "Headache", "Abdominal Pain")},
    "ROS": {"Systems": ("Complete ROS", "Focused ROS")},
    "Treatment Plans": {"Physical Therapy": ("Knee Rehab", "Shoulder Rehab")},
    "Allergies": {"Intake": ("Drug Allergy Review", "Food Allergy Review")},
    "Immunizations": {
        "Adult": ("Influenza", "Tdap", "Shingles"),
        "Childhood": ("MMR", "DTaP"),
    },
    "Letters": {
        "Patient Letters": ("Normal Results", "Missed Appointment", "Referral Sent", "No-Show Fee"),
    },
}
RETIRED = ("Letters", "Patient Letters", "No-Show Fee")  # deactivated once it was given
CLINICAL_TABS = ("Orders", "Assessments", "Exams", "HPI", "ROS", "Allergies")
# (tabs, {tab: default}) by title; providers get the clinical tabs
BY_TITLE: dict[str, tuple[tuple[str, ...], dict[str, str]]] = {
    "Nurse": (("Immunizations", "Allergies"), {"Immunizations": "Influenza"}),
    "Medical Assistant": (("Immunizations", "Allergies"), {"Immunizations": "Influenza"}),
    "Billing Specialist": (("Letters",), {"Letters": "Normal Results"}),
    "Front Desk": (("Letters",), {"Letters": "Missed Appointment"}),
    "Referral Coordinator": (("Letters",), {"Letters": "Referral Sent"}),
}
PROVIDER_DEFAULTS = {"Orders": "CBC", "Exams": "Annual Physical", "HPI": "Chest Pain"}


@dataclass(frozen=True)
class DemoTemplates:
    """The demo's templates by (tab, name), and the chart tabs by name."""

    ids: dict[tuple[str, str], int]
    tabs: dict[str, int]
    retired: int

    def edit_for(self, title: str, kind: UserType) -> TemplatesEdit | None:
        """What a person with this title may use (None: no templates)."""
        if kind is UserType.PROVIDER:
            tabs: tuple[str, ...] = (*CLINICAL_TABS, "Treatment Plans")
            defaults = PROVIDER_DEFAULTS
        elif title in BY_TITLE:
            tabs, defaults = BY_TITLE[title]
        else:
            return None
        granted = [pk for (tab, _name), pk in self.ids.items() if tab in tabs]
        return TemplatesEdit(
            granted, {self.tabs[tab]: self.ids[(tab, name)] for tab, name in defaults.items()}
        )

    def retire(self, session: Session, company: CompanyInfo, actor: Actor, clock: Clock) -> None:
        """The letter the practice stopped sending: its users keep it, struck through."""
        Catalogs(session, company, actor, clock).set_active(Kind.TEMPLATE, self.retired, False)


def add_demo_templates(
    session: Session, company: CompanyInfo, actor: Actor, clock: Clock
) -> DemoTemplates:
    catalogs = Catalogs(session, company, actor, clock)
    rows = session.execute(
        select(ChartTab.name, ChartTab.id).where(ChartTab.company_id == company.id)
    )
    tabs = {name: pk for name, pk in rows}
    ids: dict[tuple[str, str], int] = {}
    for tab, categories in TEMPLATES.items():
        for category, names in categories.items():
            category_id = catalogs.add_category(tabs[tab], category).id
            for name in names:
                ids[(tab, name)] = catalogs.add_template(category_id, name).id
    return DemoTemplates(ids, tabs, ids[(RETIRED[0], RETIRED[2])])
