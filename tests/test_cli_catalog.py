"""`usersetup catalog ...`: the practice's catalogs through the same service and rules as the
window's editors, one line on stderr when refused, and the documented exit codes (0 done,
1 refused, 2 bad call)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.db.database import Database
from app.practice.company import CompanyInfo
from cli.errors import EXIT_OK, EXIT_REFUSED, EXIT_USAGE
from tests.conftest import FixedClock
from tests.helpers.cli import CommandLine
from tests.helpers.records import add_user, audit_events
from tests.helpers.roles import SetupRole

DESK_PASSWORD = "morning shift at the counter"
ADMIN_PASSWORD = "the keys stay with the office"


@pytest.fixture
def usersetup(
    database: Database, company: CompanyInfo, clock: FixedClock, capsys: pytest.CaptureFixture[str]
) -> CommandLine:
    add_user(database, company, clock, "mreyes", password=ADMIN_PASSWORD,
             role=SetupRole.ADMINISTRATOR, last_name="Reyes", first_name="Maria")  # fmt: skip
    add_user(database, company, clock, "lblake", password=DESK_PASSWORD,
             role=SetupRole.FRONT_DESK, last_name="Blake", first_name="Lauren")  # fmt: skip
    return CommandLine(capsys, database=database, clock=clock)


def _ok(usersetup: CommandLine, *argv: str, stdin: str = "") -> str:
    code, out, err = usersetup(*argv, stdin=stdin)
    assert (code, err) == (EXIT_OK, ""), err
    return out.strip()


def _refused(usersetup: CommandLine, *argv: str, code: int = EXIT_REFUSED, stdin: str = "") -> str:
    got, out, err = usersetup(*argv, stdin=stdin)
    assert (got, out) == (code, ""), err
    assert err.count("\n") == 1 and err.startswith("usersetup: "), err
    return err.strip()


def test_fax_numbers_are_added_listed_relabelled_and_corrected(usersetup: CommandLine) -> None:
    added = _ok(usersetup, "catalog", "add", "fax", "(212) 555-0142", "--label", "Main office")
    listed = usersetup.json("catalog", "list", "fax")
    fax_id = listed[0]["id"]
    assert added == f"Added the fax number Main office (212) 555-0142 as #{fax_id}."
    assert listed == [
        {"id": fax_id, "number": "+12125550142", "display": "(212) 555-0142",
         "label": "Main office", "active": True, "version": 1},
    ]  # fmt: skip
    assert _ok(usersetup, "catalog", "list", "fax") == f"#{fax_id}  (212) 555-0142  Main office"
    assert _refused(
        usersetup, "catalog", "add", "fax", "+1 212.555.0142", "--label", "Billing"
    ) == (
        "usersetup: Fax number: The practice lists this fax number already, as "
        "\u201cMain office (212) 555-0142\u201d."
    )
    assert _ok(usersetup, "catalog", "rename", "fax", "212-555-0142", "Front desk") == (
        "The fax number Main office (212) 555-0142 is now Front desk (212) 555-0142."
    )
    assert _ok(usersetup, "catalog", "change", "fax", "front DESK", "--number", "2125550143") == (
        "The fax number Front desk (212) 555-0142 is now Front desk (212) 555-0143."
    )
    assert "Fax number: Not a valid phone number" in _refused(
        usersetup, "catalog", "add", "fax", "555"
    )


def test_a_resource_is_found_by_name_or_id_deactivated_and_activated(
    usersetup: CommandLine, database: Database, company: CompanyInfo
) -> None:
    _ok(usersetup, "catalog", "add", "resource", "X-ray", "--kind", "machine")
    _ok(usersetup, "catalog", "add", "resource", "Room 1", "--kind", "room")
    xray = usersetup.json("catalog", "list", "resource")[0]
    assert (xray["name"], xray["kind"]) == ("X-ray", "machine")  # by kind, then by name
    assert _ok(usersetup, "catalog", "deactivate", "resource", "x-RAY") == (
        "The resource X-ray is deactivated: it stays with the users who have it, and cannot be "
        "newly chosen."
    )
    assert [r["name"] for r in usersetup.json("catalog", "list", "resource")] == ["Room 1"]
    assert _ok(usersetup, "catalog", "list", "resource", "--all").splitlines()[0] == (
        f"#{xray['id']}  X-ray (machine) [inactive]"
    )
    assert _ok(usersetup, "catalog", "activate", "resource", f"#{xray['id']}") == (
        "The resource X-ray is active."
    )
    assert _ok(usersetup, "catalog", "change", "resource", "X-ray", "--kind", "room") == (
        "The resource X-ray is now a room."
    )
    assert _refused(usersetup, "catalog", "add", "resource", "x-ray", "--kind", "room") == (
        "usersetup: Name: A resource named \u201cX-ray\u201d exists already."
    )
    assert "There is no resource 'Treadmill' (resources: Room 1, X-ray)" in _refused(
        usersetup, "catalog", "deactivate", "resource", "Treadmill"
    )
    events = audit_events(database, company_id=company.id, prefix="catalog.")
    assert [e.action for e in events] == [
        "catalog.added", "catalog.added", "catalog.deactivated", "catalog.activated",
        "catalog.changed",
    ]  # fmt: skip


def test_a_template_needs_its_category_which_can_be_added_with_it(usersetup: CommandLine) -> None:
    assert _refused(
        usersetup, "catalog", "add", "template", "CBC", "--tab", "Orders", "--category", "Labs"
    ) == (
        "usersetup: The chart tab Orders has no template category 'Labs'. Add it with this "
        "template by giving --new-category, or first: usersetup catalog add category Labs "
        "--tab Orders"
    )
    assert _ok(
        usersetup, "catalog", "add", "template", "CBC", "--tab", "orders", "--category", "Labs",
        "--new-category",
    ).startswith("Added the template CBC (Orders \u25b8 Labs) as #")  # fmt: skip
    _ok(usersetup, "catalog", "add", "template", "Lipid panel", "--tab", "Orders",
        "--category", "labs")  # fmt: skip
    _ok(usersetup, "catalog", "add", "category", "Labs", "--tab", "Exams")
    _ok(usersetup, "catalog", "add", "template", "CBC", "--tab", "Exams", "--category", "Labs")
    orders = usersetup.json("catalog", "list", "template", "--tab", "Orders")
    assert [(t["name"], t["chart_tab"], t["category"]) for t in orders] == [
        ("CBC", "Orders", "Labs"),
        ("Lipid panel", "Orders", "Labs"),
    ]
    assert "More than one template is named 'CBC'" in _refused(
        usersetup, "catalog", "deactivate", "template", "CBC"
    )
    _ok(usersetup, "catalog", "deactivate", "template", "CBC", "--tab", "Exams")
    assert [t["chart_tab"] for t in usersetup.json("catalog", "list", "template")] == [
        "Orders",
        "Orders",
    ]
    _ok(usersetup, "catalog", "deactivate", "category", "Labs", "--tab", "Orders")
    assert (
        _refused(
            usersetup, "catalog", "add", "template", "TSH", "--tab", "Orders", "--category", "Labs"
        )
        == "usersetup: Category: Labs is deactivated; activate it first."
    )
    assert _ok(usersetup, "catalog", "list", "category", "--tab", "orders", "--all").endswith(
        "  Labs (Orders) [inactive]"
    )


def test_note_types_and_chart_tabs_are_added_at_the_end_and_renamed(
    usersetup: CommandLine,
) -> None:
    _ok(usersetup, "catalog", "add", "note-type", "Telehealth Note")
    assert usersetup.json("catalog", "list", "note-type")[-1]["name"] == "Telehealth Note"
    _ok(usersetup, "catalog", "add", "chart-tab", "Vitals")
    assert _ok(usersetup, "catalog", "rename", "chart-tab", "vitals", "Vital Signs") == (
        "The chart tab Vitals is now Vital Signs."
    )
    assert _ok(usersetup, "catalog", "list", "chart-tab").splitlines()[-1].endswith("  Vital Signs")


def test_calls_that_make_no_sense_are_exit_2(usersetup: CommandLine) -> None:
    for argv, said in (
        (("add", "resource", "Room 1"), "a resource needs --kind provider|room|machine"),
        (("add", "category", "Labs"), "a template category needs --tab, its chart tab"),
        (("add", "template", "CBC", "--tab", "Orders"), "a template needs --category"),
        (("list", "fax", "--tab", "Orders"), "--tab and --category apply to categories"),
        (("add", "note-type", "X", "--label", "Y"), "--label applies to fax numbers"),
        (("change", "fax", "#1", "--kind", "room"), "change fax takes --number NUMBER"),
        (("list", "gadget"), "invalid choice: 'gadget'"),
    ):
        assert said in _refused(usersetup, "catalog", *argv, code=EXIT_USAGE), argv


def test_front_desk_acting_with_as_is_refused_every_catalog_edit(
    usersetup: CommandLine, database: Database, company: CompanyInfo
) -> None:
    _ok(usersetup, "catalog", "add", "resource", "Room 1", "--kind", "room")
    before = len(audit_events(database, company_id=company.id, prefix="catalog."))
    for argv in (
        ("add", "fax", "212 555 0199"),
        ("add", "resource", "Room 2", "--kind", "room"),
        ("add", "note-type", "Telehealth Note"),
        ("rename", "resource", "Room 1", "Room A"),
        ("deactivate", "resource", "Room 1"),
    ):
        assert _refused(
            usersetup, "--as", "lblake", "catalog", *argv, stdin=DESK_PASSWORD + "\n"
        ) == ("usersetup: Your roles do not give the right \u201cEdit catalogs\u201d."), argv
    assert len(audit_events(database, company_id=company.id, prefix="catalog.")) == before
    # Reading is not refused them: the section pages list the catalogs to every operator.
    listed = _ok(usersetup, "--as", "lblake", "catalog", "list", "resource",
                 stdin=DESK_PASSWORD + "\n")  # fmt: skip
    assert listed.endswith("  Room 1 (room)")
    _ok(usersetup, "--as", "mreyes", "catalog", "add", "resource", "Room 2", "--kind", "room",
        stdin=ADMIN_PASSWORD + "\n")  # fmt: skip
    event = audit_events(database, company_id=company.id, prefix="catalog.")[-1]
    assert event.operator.startswith("mreyes (Reyes, Maria) at ")


def test_the_demo_practice_has_catalogs_with_one_retired_entry_of_each_kind(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    usersetup = CommandLine(capsys, path=tmp_path / "demo.sqlite3")
    _ok(usersetup, "demo", "--users", "2")
    faxes = usersetup.json("catalog", "list", "fax", "--all")
    assert (faxes[0]["label"], faxes[0]["number"]) == ("Billing", "+16145550192")
    assert {f["label"] for f in faxes if not f["active"]} == {"Old main line"}
    assert len(usersetup.json("catalog", "list", "fax")) == len(faxes) - 1
    resources = usersetup.json("catalog", "list", "resource", "--all")
    assert {r["kind"] for r in resources} == {"machine", "provider", "room"}
    assert [r["name"] for r in resources if not r["active"]] == ["ECG cart (old)"]
    labs = usersetup.json("catalog", "list", "template", "--tab", "Orders", "--category", "Labs")
    assert labs[0] == {
        "id": labs[0]["id"], "name": "BMP", "chart_tab": "Orders",
        "category": "Labs", "active": True, "version": 1,
    }  # fmt: skip
    assert "No-Show Fee" not in _ok(usersetup, "catalog", "list", "template", "--tab", "Letters")
    assert _ok(usersetup, "catalog", "list", "note-type").endswith("  Telehealth Note")
