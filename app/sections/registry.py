"""The sections of User Setup, in the order the section list shows them.

To add a section, write its module in app/sections/ and list it here; the window, the
toolbar, Copy User, the command line and `users show --json` then know it (see
docs/ARCHITECTURE.md, "How to add a section").
"""

from __future__ import annotations

from typing import Any

from app.sections.base import Section
from app.sections.fax import FaxSection
from app.sections.login_times import LoginTimesSection
from app.sections.resources import ResourcesSection
from app.sections.roles import RolesSection
from app.sections.sign_off import SignOffSection
from app.sections.templates import TemplatesSection
from app.sections.two_factor import TwoFactorSection
from app.sections.user import UserSection

AnySection = Section[Any, Any, Any]

SECTIONS: tuple[AnySection, ...] = tuple(
    sorted(
        (
            UserSection(),
            LoginTimesSection(),
            TwoFactorSection(),
            RolesSection(),
            FaxSection(),
            ResourcesSection(),
            SignOffSection(),
            TemplatesSection(),
        ),
        key=lambda s: s.order,
    )
)
FIRST = SECTIONS[0]  # the section that creates a new user's row: the others save against it
BY_KEY: dict[str, AnySection] = {section.key: section for section in SECTIONS}


def section(key: str) -> AnySection:
    """The registered section with this key; KeyError for one that is not."""
    return BY_KEY[key]
