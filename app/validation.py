"""Checks of single values a person types (the User section's fields, the company's code and
name, the mail and text settings, the authenticator's title), with the messages shown beside
them."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

USER_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
USER_ID_MIN, USER_ID_MAX = 3, 32
PASSWORD_MIN = 8  # NIST SP 800-63B's floor; the company policy arrives with sign-in.
EXTENSION_PATTERN = re.compile(r"[0-9]{1,10}")


class FieldProblem(ValueError):
    """A value that cannot be accepted; its text is the message shown beside the field."""


# What str.splitlines() breaks on: a pasted line break of any system.
LINE_BREAKS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")


def one_line(text: str, label: str) -> str:
    """``text`` unchanged if it is one line of printable text; else FieldProblem saying what to
    remove from ``label``: a line break, a tab, or an invisible character (Unicode's control
    and format characters, such as U+200B and the bidi overrides U+202A..U+202E)."""
    for ch in text:
        if ch in LINE_BREAKS:
            kind = "the line break"
        elif ch == "\t":
            kind = "the tab"
        elif unicodedata.category(ch) in ("Cc", "Cf"):
            kind = f"the invisible character (U+{ord(ch):04X})"
        elif unicodedata.category(ch).startswith("C"):  # unassigned, private use, surrogate
            kind = f"the character that cannot be stored (U+{ord(ch):04X})"
        else:
            continue
        raise FieldProblem(f"Remove {kind}: {label} is one line of printable text.")
    return text


def not_one_line(fields: Mapping[str, tuple[str, str]]) -> dict[str, str]:
    """For fields given as name -> (label, text): each one that ``one_line`` refuses, with why."""
    errors: dict[str, str] = {}
    for name, (label, text) in fields.items():
        try:
            one_line(text, label)
        except FieldProblem as problem:
            errors[name] = str(problem)
    return errors


def user_id_key(user_id: str) -> str:
    """The form of a User ID that uniqueness is decided on: kimberly == Kimberly."""
    return user_id.strip().lower()


def clean_user_id(text: str) -> str:
    value = one_line(text, "User ID").strip()
    if not value:
        raise FieldProblem("User ID is required.")
    if not USER_ID_MIN <= len(value) <= USER_ID_MAX or not USER_ID_PATTERN.fullmatch(value):
        raise FieldProblem(
            f"Use {USER_ID_MIN} to {USER_ID_MAX} characters: letters, digits, '.', '-' or '_', "
            "starting with a letter or digit."
        )
    return value


def clean_text(text: str, label: str, max_length: int, required: bool = False) -> str:
    value = " ".join(one_line(text, label).split())  # no stray or doubled spaces
    if required and not value:
        raise FieldProblem(f"{label} is required.")
    if len(value) > max_length:
        raise FieldProblem(f"{label} can be at most {max_length} characters ({len(value)} typed).")
    return value


def clean_middle_initial(text: str) -> str:
    value = one_line(text, "M.I.").strip().rstrip(".")
    if not value:
        return ""
    if len(value) != 1 or not value.isalpha():
        raise FieldProblem("M.I. is one letter.")
    return value.upper()


def clean_email(text: str, label: str = "An e-mail address") -> str:
    from email_validator import EmailNotValidError, validate_email  # loaded at first use

    value = one_line(text, label).strip()
    if not value:
        return ""
    try:
        result = validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        raise FieldProblem(f"Not an e-mail address: {exc}") from exc
    normalized: str = result.normalized
    if len(normalized) > 254:
        raise FieldProblem("An e-mail address can be at most 254 characters.")
    return normalized


def clean_phone(text: str, region: str, label: str = "A phone number") -> tuple[str, str]:
    """The number in E.164 and any extension typed with it ("555-123-4567 x12")."""
    import phonenumbers  # its metadata is a large load: at first use

    value = one_line(text, label).strip()
    if not value:
        return "", ""
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException as exc:
        raise FieldProblem("Not a phone number.") from exc
    if not phonenumbers.is_valid_number(number):
        raise FieldProblem("Not a valid phone number; check the digits and area code.")
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return e164, number.extension or ""


def clean_extension(text: str, label: str = "Ext") -> str:
    value = one_line(text, label).strip()
    if value and not EXTENSION_PATTERN.fullmatch(value):
        raise FieldProblem("Ext is up to 10 digits.")
    return value


def display_phone(e164: str, region: str) -> str:
    """A stored number as the practice reads it: national format at home, international abroad."""
    if not e164:
        return ""
    import phonenumbers  # its metadata is a large load: at first use

    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    if phonenumbers.region_code_for_number(number) == region:
        return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL))
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL))


def normalize_password(text: str) -> str:
    """Passwords are compared in NFKC, so the same password typed on any keyboard matches."""
    return unicodedata.normalize("NFKC", text)
