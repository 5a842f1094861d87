"""The sections of the User Setup window. Each page has load, check and save."""

from ui.pages.base import SectionPage
from ui.pages.login_times_page import LoginTimesPage
from ui.pages.two_factor_page import TwoFactorPage
from ui.pages.user_page import UserPage

# The Section list, in order. Later sections are added here as they are built.
SECTION_PAGES: tuple[type[SectionPage], ...] = (UserPage, LoginTimesPage, TwoFactorPage)
