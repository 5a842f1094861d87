"""The demo practice's catalogs: fax lines, resources, a note type and chart templates, made
through the Catalogs service as the catalog editors would make them, with one deactivated
entry of each kind, so that a struck-through entry can be seen in the editors and sections."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from app.access import Actor
from app.catalogs.service import Catalogs, Kind
from app.clock import Clock
from app.practice.company import CompanyInfo

# (number, label); the last one is the old line the practice gave up.
FAX_NUMBERS = (
    ("(614) 555-0190", "Main office"),
    ("(614) 555-0191", "Billing"),
    ("(614) 555-0192", "Referrals"),
    ("(614) 555-0193", "Lab results"),
    ("(614) 555-0199", "Old north clinic line"),
)
RESOURCES = (
    ("Exam Room 1", "room"),
    ("Exam Room 2", "room"),
    ("Exam Room 3", "room"),
    ("Procedure Room", "room"),
    ("X-ray", "machine"),
    ("Ultrasound", "machine"),
    ("ECG", "machine"),
    ("Treadmill", "machine"),
    ("Dr. Hynes", "provider"),
    ("Dr. Lindqvist", "provider"),
    ("Dr. Okafor", "provider"),
    ("Old Film X-ray", "machine"),  # replaced by the digital one
)
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
RETIRED = {
    Kind.FAX: "Old north clinic line",
    Kind.RESOURCE: "Old Film X-ray",
    Kind.TEMPLATE: "Knee X-ray",
}


@dataclass(frozen=True)
class DemoCatalogs:
    """The ids of what was made, by name (a fax number by its label), for the demo's users."""

    fax_numbers: dict[str, int] = field(default_factory=dict)
    resources: dict[str, int] = field(default_factory=dict)
    templates: dict[str, int] = field(default_factory=dict)
    chart_tabs: dict[str, int] = field(default_factory=dict)


def add_demo_catalogs(
    session: Session, company: CompanyInfo, actor: Actor, clock: Clock
) -> DemoCatalogs:
    """The demo's catalog entries (the company's starting note types and chart tabs are
    there already); the retired ones deactivated."""
    catalogs = Catalogs(session, company, actor, clock)
    made = DemoCatalogs()
    for number, label in FAX_NUMBERS:
        made.fax_numbers[label] = catalogs.add_fax_number(number, label).id
    for name, kind in RESOURCES:
        made.resources[name] = catalogs.add_resource(name, kind).id
    for name in NOTE_TYPES:
        catalogs.add_note_type(name)
    made.chart_tabs.update({e.name: e.id for e in catalogs.entries(Kind.CHART_TAB)})
    for tab, categories in TEMPLATES.items():
        for category, names in categories.items():
            category_id = catalogs.add_category(made.chart_tabs[tab], category).id
            for name in names:
                made.templates[name] = catalogs.add_template(category_id, name).id
    catalogs.set_active(Kind.FAX, made.fax_numbers[RETIRED[Kind.FAX]], False)
    catalogs.set_active(Kind.RESOURCE, made.resources[RETIRED[Kind.RESOURCE]], False)
    catalogs.set_active(Kind.TEMPLATE, made.templates[RETIRED[Kind.TEMPLATE]], False)
    return made
