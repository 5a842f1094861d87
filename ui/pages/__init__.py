"""The pages of the User Setup window: one for each section of app.sections.registry."""

from ui.pages.base import SectionPage
from ui.pages.fax_page import FaxPage
from ui.pages.login_times_page import LoginTimesPage
from ui.pages.resources_page import ResourcesPage
from ui.pages.roles_page import RolesPage
from ui.pages.sign_off_page import SignOffPage
from ui.pages.templates_page import TemplatesPage
from ui.pages.two_factor_page import TwoFactorPage
from ui.pages.user_page import UserPage

# The page that shows each section, by the section's key (the registry decides the order).
PAGES: dict[str, type[SectionPage]] = {
    page.section.key: page
    for page in (
        UserPage,
        LoginTimesPage,
        TwoFactorPage,
        RolesPage,
        SignOffPage,
        FaxPage,
        ResourcesPage,
        TemplatesPage,
    )
}
