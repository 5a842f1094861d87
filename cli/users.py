"""`usersetup users ...`: the user list, one user, and adding, copying and changing users."""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from app.errors import ValidationError
from app.login_times.hours import has_expired
from app.login_times.service import LoginTimesService
from app.practice.company import (
    department_choices,
    match_choice,
    provider_choices,
    service_location_choices,
)
from app.roles.assignments import UserRoles
from app.roles.effective import rights_of
from app.sections.base import Target
from app.sections.editor import Opened, Started, UserEditor
from app.sections.login_times import LoginTimesEdit
from app.sections.registry import FIRST, SECTIONS, section
from app.sections.sign_off import SignOffEdit
from app.sign_off.pin import NO_PIN
from app.users.fields import FIELDS_BY_NAME, USER_FIELDS, Kind
from app.users.records import UserFields
from app.users.service import UserService
from app.validation import display_phone
from app.workplace import Work
from cli.errors import UsageError
from cli.parser import ROLE_NAMES
from cli.passwords import PasswordInput
from cli.sign_off import PinInput
from cli.user_roles import user_roles_command

REFERENCE_CHOICES = {
    "provider_id": provider_choices,
    "service_location_id": service_location_choices,
    "department_id": department_choices,
}


def users_command(
    args: argparse.Namespace, work: Work, passwords: PasswordInput, pins: PinInput | None = None
) -> str:
    """Carry out one users command in the caller's transaction; what to print once committed."""
    users = UserService(work.session, work.company, work.actor, work.clock)
    command = args.users_command
    if command == "list":
        return _listing(users, show_all=args.all, as_json=args.json)
    if command == "show":
        opened = UserEditor(work).open(users.find(args.user_id).pk)
        return format_user(work, opened, as_json=args.json)
    if command == "reset-password":
        record = users.find(args.user_id)
        password = users.reset_password(record.pk, unlock=args.unlock)
        record = users.get(record.pk)
        if args.json:
            return json.dumps(
                {
                    "user_id": record.fields.user_id,
                    "temporary_password": password,
                    "must_change_password": True,
                    "login_locked": record.fields.login_locked,
                },
                indent=2,
            )
        lock = " It is still locked: add --unlock." if record.fields.login_locked else ""
        return f"Temporary password for {record.heading}: {password}{lock}"
    if command == "set-role":
        pk = users.find(args.user_id).pk
        UserRoles(work.session, work.company, work.actor, work.clock).set_built_in(
            pk, ROLE_NAMES[args.role]
        )
        held = rights_of(work.session, work.company.id, pk)
        return f"{users.get(pk).heading}: roles {', '.join(held.roles) or 'none'}."
    if command == "roles":
        return user_roles_command(args, work)
    if command == "unlock":
        record = users.unlock(users.find(args.user_id).pk)
        return f"{record.heading} is unlocked."
    if command in ("deactivate", "activate"):
        record = users.set_active(users.find(args.user_id).pk, command == "activate")
        return f"{record.heading} is {'active' if record.fields.active else 'inactive'}."
    if command == "set":
        return _change(args, work, users, passwords, pins)
    return _add(args, work, users, passwords)  # add, copy


def _listing(users: UserService, *, show_all: bool, as_json: bool) -> str:
    rows = users.list_rows(active_only=not show_all)
    if as_json:
        keys = ("user_id", "last_name", "first_name", "active", "login_locked", "expired")
        return json.dumps(
            [
                {
                    **dict(zip(keys, (*row[1:6], bool(row[6])), strict=True)),
                    "locked_until": row[7].isoformat() if row[7] else None,
                    "epcs": bool(row[8]),
                }
                for row in rows
            ],
            indent=2,
        )
    lines = []
    for _pk, user_id, last, first, active, locked, expired, until, epcs in rows:
        lock = f" [locked until {until:%Y-%m-%d %H:%M} UTC]" if until else " [locked]"
        marks = ("" if active else " [inactive]") + (lock if locked else "")
        marks += " [expired]" if expired else ""
        marks += " [EPCS]" if epcs else ""
        lines.append(f"{last}, {first} ({user_id}){marks}")
    return "\n".join(lines)


def _change(
    args: argparse.Namespace,
    work: Work,
    users: UserService,
    passwords: PasswordInput,
    pins: PinInput | None = None,
) -> str:
    record = users.find(args.target)
    form = record.fields
    _apply_options(args, form, users)
    if args.password_stdin:
        form.new_password = form.retype_password = passwords.read()
        if args.must_change_password is None:  # set by an administrator: temporary
            form.must_change_password = True
    record = users.update(record.pk, form, record.version)
    if "expires" in args:
        hours = LoginTimesService(work.session, work.company, work.actor, work.clock)
        record = hours.set_expiry(record.pk, args.expires)
    if args.pin_stdin or args.clear_pin:  # through the editor, as the window saves the page
        editor = UserEditor(work)
        opened = editor.open(record.pk, [FIRST.key, "sign_off"])
        edit: SignOffEdit = section("sign_off").edit_of(opened.states["sign_off"])
        typed, again = pins.read() if args.pin_stdin and pins is not None else (NO_PIN, NO_PIN)
        edit = replace(edit, pin=typed, retype_pin=again, clear_pin=args.clear_pin)
        record = editor.save(Target(record.pk, opened.record.version), {"sign_off": edit}).record
    return format_user(work, UserEditor(work).open(record.pk), as_json=args.json)


def _add(args: argparse.Namespace, work: Work, users: UserService, passwords: PasswordInput) -> str:
    """`users add` and `users copy`: the new user through the editor, as the window saves one.

    A copy takes every section as Copy User carries it; a section whose copy needs something
    of the new user that no option gives (their own 2FA address, say) is left out and said.
    """
    command = args.users_command
    if not args.password_stdin:
        raise UsageError(f"users {command} needs --password-stdin: a new user needs a password")
    editor = UserEditor(work)
    source = users.find(args.source).pk if command == "copy" else None
    started = editor.start(source)
    form: UserFields = FIRST.edit_of(started.states[FIRST.key])
    _apply_options(args, form, users)
    form.new_password = form.retype_password = passwords.read()
    edits: dict[str, Any] = {FIRST.key: form}
    if "expires" in args:
        hours: LoginTimesEdit = section("login_times").edit_of(started.states["login_times"])
        edits["login_times"] = LoginTimesEdit(hours.limited, hours.days, args.expires)
    saved = editor.save(Target(copied_from=source), edits, leave_out=started.needs)
    shown = format_user(work, editor.open(saved.record.pk), as_json=args.json)
    if args.json or source is None:
        return shown
    return "\n".join([_copied_lines(started, saved.record.fields.user_id), shown])


def _copied_lines(started: Started, user_id: str) -> str:
    """What the copy took, and what it left for the new user to be given."""
    lines = [started.copied_line(leaving_out=started.needs)]  # saved without those
    for key, needs in started.needs.items():
        carried = "; ".join(started.carried.get(key, ())) or section(key).title
        how = _how_to_set(key, started, user_id)
        lines.append(
            f"Not copied: {carried}, which needs {needs}"
            + (f"; set it with: {how}" if how else ".")
        )
    return "\n".join(lines)


def _how_to_set(key: str, started: Started, user_id: str) -> str:
    """The command that gives a new user what the copy of a section needed."""
    if key == "two_factor":
        method = started.states[key].method
        return f"usersetup 2fa set {user_id} --method {method} --to ADDRESS"
    return ""


def _apply_options(args: argparse.Namespace, form: UserFields, users: UserService) -> None:
    for field in USER_FIELDS:
        value = getattr(args, field.name, None)  # user_id: NEWID of add and copy, --user-id of set
        if value is None:
            continue
        if field.kind is Kind.REFERENCE:
            value = _reference_id(field.name, value, users)
        setattr(form, field.name, value)


def _reference_id(field_name: str, text: str, users: UserService) -> int | None:
    if text.strip().lower() in ("", "none"):
        return None
    choices = REFERENCE_CHOICES[field_name](users.session, users.company)
    choice = match_choice(choices, text)
    if choice is None:
        known = "; ".join(c.label for c in choices) or "none"
        label = FIELDS_BY_NAME[field_name].label
        raise ValidationError({field_name: f"No one {label} is named {text!r} (known: {known})."})
    return choice.id


def user_as_json(work: Work, opened: Opened) -> dict[str, Any]:
    """The stable JSON form of one user (documented in the README): the User section's
    fields at the top, each other section under its key, as the registry lists them."""
    record = opened.record
    out: dict[str, Any] = {"company": work.company.code}
    out.update(FIRST.as_json(work, opened.states[FIRST.key]))
    out["account_expires_on"] = record.expires_on.isoformat() if record.expires_on else None
    out["version"] = record.version
    out["updated_by"] = record.updated_by
    out["updated_at"] = record.updated_at.isoformat()
    out["created_at"] = record.created_at.isoformat()
    for s in SECTIONS:
        if s is not FIRST and s.key in opened.states:
            out[s.key] = s.as_json(work, opened.states[s.key])
    return out


def format_user(work: Work, opened: Opened, *, as_json: bool) -> str:
    """`users show`: the User section, the account's expiry, and who changed it last."""
    data = user_as_json(work, opened)
    if as_json:
        return json.dumps(data, indent=2)
    record = opened.record
    lines = [f"User - {record.heading}"]
    for field in USER_FIELDS:
        key = field.name.removesuffix("_id") if field.kind is Kind.REFERENCE else field.name
        value = data[key]
        if field.kind is Kind.FLAG:
            value = "yes" if value else "no"
        elif field.kind is Kind.PHONE:
            value = display_phone(value, work.company.phone_region)
        lines.append(f"  {field.label + ':':<26}{value if value not in (None, '') else '-'}")
    zone = ZoneInfo(work.company.time_zone)
    lines.append(f"  {'Account expires:':<26}{expiry_shown(record.expires_on, zone, work.clock())}")
    lines.append(
        f"  {'Last changed:':<26}{record.updated_at:%Y-%m-%d %H:%M} UTC by {record.updated_by}"
    )
    return "\n".join(lines)


def expiry_shown(expires_on: date | None, zone: ZoneInfo, now: datetime) -> str:
    """The expiry as `users show` and `hours show` print it: "never", "2027-06-30", or
    "2026-11-21 [expired]" once its end has passed."""
    if expires_on is None:
        return "never"
    mark = " [expired]" if has_expired(expires_on, zone, now) else ""
    return f"{expires_on.isoformat()}{mark}"
