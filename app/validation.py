"""Checks of single values typed into the User section, with the messages shown beside them."""

from __future__ import annotations

import re
import unicodedata

USER_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
USER_ID_MIN, USER_ID_MAX = 3, 32
PASSWORD_MIN = 8  # NIST SP 800-63B's floor; the company policy arrives with sign-in.
EXTENSION_PATTERN = re.compile(r"[0-9]{1,10}")


class FieldProblem(ValueError):
    """A value that cannot be accepted; its text is the message shown beside the field."""


def user_id_key(user_id: str) -> str:
    """The form of a User ID that uniqueness is decided on: kimberly == Kimberly."""
    return user_id.strip().lower()


def clean_user_id(text: str) -> str:
    value = text.strip()
    if not value:
        raise FieldProblem("User ID is required.")
    if not USER_ID_MIN <= len(value) <= USER_ID_MAX or not USER_ID_PATTERN.fullmatch(value):
        raise FieldProblem(
            f"Use {USER_ID_MIN} to {USER_ID_MAX} characters: letters, digits, '.', '-' or '_', "
            "starting with a letter or digit."
        )
    return value


def clean_text(text: str, label: str, max_length: int, required: bool = False) -> str:
    value = " ".join(text.split())  # no stray or doubled spaces, no tabs or line breaks
    if required and not value:
        raise FieldProblem(f"{label} is required.")
    if any(unicodedata.category(ch).startswith("C") for ch in value):
        raise FieldProblem(f"{label} contains characters that cannot be stored.")
    if len(value) > max_length:
        raise FieldProblem(f"{label} can be at most {max_length} characters ({len(value)} typed).")
    return value


def clean_middle_initial(text: str) -> str:
    value = text.strip().rstrip(".")
    if not value:
        return ""
    if len(value) != 1 or not value.isalpha():
        raise FieldProblem("M.I. is one letter.")
    return value.upper()


def clean_email(text: str) -> str:
    from email_validator import EmailNotValidError, validate_email  # loaded at first use

    value = text.strip()
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


def clean_phone(text: str, region: str) -> tuple[str, str]:
    """The number in E.164 and any extension typed with it ("555-123-4567 x12")."""
    import phonenumbers  # its metadata is a large load: at first use

    value = text.strip()
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


def clean_extension(text: str) -> str:
    value = text.strip()
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
