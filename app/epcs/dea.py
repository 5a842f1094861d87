"""The DEA registration of a provider: the number's own rule, and whether it is current.

Prescribing controlled substances electronically needs a current DEA registration
(21 CFR 1311.125: the person granting access checks it). A DEA number is two letters and
seven digits. The first letter is the registrant type; DEA's own "DEA Registration Record
Layout" (the file DEA Diversion Control publishes with its registrant data, revised
December 2017) lists A, B, F, G (practitioners, hospitals and clinics, pharmacies, teaching
institutions), M (mid-level practitioners: NPs, PAs and the like) and P, R (manufacturers,
distributors, researchers, labs, importers, exporters, reverse distributors, narcotic
treatment programs). X was the buprenorphine DATA-waiver identifier, issued beside a
registration and not one itself; the waiver ended in January 2023 (Consolidated
Appropriations Act 2023, section 1262), so X is refused with that said. The letters some
web pages list (C, D, E, H, J, K, L, S, T, U) are DEA's business activity codes, not first
letters of numbers. The second letter is the initial of the registrant's last name, or 9
for a registrant using a business name; the seventh digit is the check digit: digits 1, 3
and 5, plus twice digits 2, 4 and 6, end in it.

This module imports nothing of the database: the window and the tests use it as they are.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

# First letters of DEA numbers (DEA Registration Record Layout; see the module's docstring).
REGISTRANT_TYPES: dict[str, str] = {
    "A": "practitioner (numbers issued before October 1985)",
    "B": "hospital, clinic or practitioner",
    "F": "practitioner",
    "G": "practitioner",
    "M": "mid-level practitioner",
    "P": "manufacturer, distributor, researcher or narcotic treatment program",
    "R": "manufacturer, distributor, researcher or narcotic treatment program",
}
RETIRED_TYPES: dict[str, str] = {
    "X": "An X number was a buprenorphine waiver identifier, which ended in 2023; enter the "
    "provider's DEA registration number instead.",
}
BUSINESS_NAME = "9"  # the second character of a registrant using a business name
_SHAPE = re.compile(r"[A-Z][A-Z9][0-9]{7}")


def check_digit(six: str) -> int:
    """The check digit of the first six digits: (d1 + d3 + d5) + 2 (d2 + d4 + d6), mod 10."""
    digits = [int(c) for c in six]
    return (digits[0] + digits[2] + digits[4] + 2 * (digits[1] + digits[3] + digits[5])) % 10


def last_name_initial(last_name: str) -> str:
    """The first letter of a last name as DEA writes it: without accents, upper case
    ("Ógáin" → "O"; "O'Neil" → "O"); "" when it has no letter."""
    plain = unicodedata.normalize("NFKD", last_name)
    for char in plain:
        if "A" <= char.upper() <= "Z" and char.isascii():
            return char.upper()
    return ""


def normalized(number: str) -> str:
    """The number as stored: spaces and hyphens dropped, upper case."""
    return re.sub(r"[\s-]", "", number).upper()


def dea_number_problem(number: str, last_name: str) -> str | None:
    """What is wrong with a DEA number for a registrant of this last name, in plain words;
    None when it is right. An empty number is no problem here (no registration)."""
    text = normalized(number)
    if not text:
        return None
    if len(text) != 9:
        return f"A DEA number is 2 letters and 7 digits (9 characters); this one has {len(text)}."
    first, second, digits = text[0], text[1], text[2:]
    if not first.isalpha() or not first.isascii():
        return "A DEA number starts with a letter: the registrant type (A, B, F, G, M, P or R)."
    if first in RETIRED_TYPES:
        return RETIRED_TYPES[first]
    if first not in REGISTRANT_TYPES:
        return (
            f"{first} is not a DEA registrant type: a DEA number starts with A, B, F, G, M, P or R."
        )
    if not (second.isascii() and (second.isalpha() or second == BUSINESS_NAME)):
        return (
            "The second character of a DEA number is the initial of the registrant's last "
            "name, or 9."
        )
    if not digits.isascii() or not digits.isdigit():
        return "A DEA number ends in 7 digits."
    assert _SHAPE.fullmatch(text), text
    initial = last_name_initial(last_name)
    if second != BUSINESS_NAME and initial and second != initial:
        return (
            f"The second letter of a DEA number is the initial of the registrant's last name "
            f"({initial}) or 9; this one has {second}."
        )
    expected = check_digit(digits[:6])
    if int(digits[6]) != expected:
        return (
            f"{text} fails the DEA check-digit rule (its last digit would be {expected}): "
            "check it against the registration certificate."
        )
    return None


@dataclass(frozen=True)
class Registration:
    """A provider's DEA registration and state licence, as stored."""

    dea_number: str = ""
    expires_on: date | None = None
    state_license: str = ""

    def current(self, today: date) -> bool:
        """Registered, through today (the registration is good through its expiry date)."""
        return bool(self.dea_number) and self.expires_on is not None and today <= self.expires_on

    def line(self) -> str:
        """How the User section shows it: "DEA AB1234563, expires 2027-05-31; licence CA A12345"."""
        parts = []
        if self.dea_number:
            expiry = f", expires {self.expires_on.isoformat()}" if self.expires_on else ""
            parts.append(f"DEA {self.dea_number}{expiry}")
        else:
            parts.append("No DEA registration")
        if self.state_license:
            parts.append(f"licence {self.state_license}")
        return "; ".join(parts)


def registration_problem(registration: Registration, last_name: str, today: date) -> str | None:
    """Why this registration does not allow prescribing controlled substances today, in plain
    words (missing, not a valid number, no expiry date, expired); None when it does."""
    if not registration.dea_number:
        return "has no DEA registration number on their provider record"
    wrong = dea_number_problem(registration.dea_number, last_name)
    if wrong is not None:
        return f"has a DEA number that is not valid ({wrong})"
    if registration.expires_on is None:
        return "has no DEA registration expiry date on their provider record"
    if today > registration.expires_on:
        return f"has a DEA registration that expired on {registration.expires_on.isoformat()}"
    return None
