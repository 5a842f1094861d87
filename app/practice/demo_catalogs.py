"""The demo practice's note type and chart templates, made through the Catalogs service as
the catalog editors would make them, with one template deactivated, so that a struck-through
entry can be seen in the editors and sections. Its fax lines and resources, which demo users
are given, are app.practice.demo_fax_resources's."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from app.access import Actor
from app.catalogs.service import Catalogs, Kind
from app.clock import Clock
from app.practice.company import CompanyInfo

NOTE_TYPES = ("Telehealth Note",)
# chart tab -> category -> templates
TEMPLATES: dict[str, dict[str, tuple[str, ...]]] = {
    "Orders": {
        "Labs": (
            "CBC with differential",
            "Basic metabolic panel",
            "Comprehensive metabolic panel",
            "Lipid panel",
            "Hemoglobin A1c",
            "TSH",
            "Urinalysis",
        ),
        "Imaging": ("Chest X-ray, 2 views", "Knee X-ray", "Abdominal ultrasound"),
        "Referrals": ("Cardiology referral", "Physical therapy referral"),
    },
    "Assessments": {"Chronic care": ("Hypertension follow-up", "Type 2 diabetes follow-up")},
    "Exams": {
        "General": ("Adult physical exam", "Well child exam"),
        "Focused": ("Knee exam", "Low back exam"),
    },
    "HPI": {"Common complaints": ("Headache", "Chest pain", "Cough", "Low back pain")},
    "ROS": {"Review of systems": ("Complete ROS", "Brief ROS")},
    "Letters": {"Patient letters": ("Return to work", "School excuse", "Normal lab results")},
}
RETIRED_TEMPLATE = "Knee X-ray"


@dataclass(frozen=True)
class DemoCatalogs:
    """The ids of what was made, by name (a fax number by its label), for the demo's users."""

    templates: dict[str, int] = field(default_factory=dict)
    chart_tabs: dict[str, int] = field(default_factory=dict)


def add_demo_catalogs(
    session: Session, company: CompanyInfo, actor: Actor, clock: Clock
) -> DemoCatalogs:
    """The demo's note type and templates (the company's starting note types and chart tabs
    are there already); the retired template deactivated."""
    catalogs = Catalogs(session, company, actor, clock)
    made = DemoCatalogs()
    for name in NOTE_TYPES:
        catalogs.add_note_type(name)
    made.chart_tabs.update({e.name: e.id for e in catalogs.entries(Kind.CHART_TAB)})
    for tab, categories in TEMPLATES.items():
        for category, names in categories.items():
            category_id = catalogs.add_category(made.chart_tabs[tab], category).id
            for name in names:
                made.templates[name] = catalogs.add_template(category_id, name).id
    catalogs.set_active(Kind.TEMPLATE, made.templates[RETIRED_TEMPLATE], False)
    return made
