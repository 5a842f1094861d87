"""`usersetup hours ...`: when a user may sign in (the Login Times section)."""

from __future__ import annotations

import argparse
import json
from typing import Any
from zoneinfo import ZoneInfo

from app.errors import UserSetupError
from app.login_times.hours import WEEKDAY_NAMES, DayForm, DayHours, LoginTimes
from app.sections.base import Target
from app.sections.editor import Opened, SectionProblems, UserEditor
from app.sections.login_times import LoginTimesEdit
from app.sections.registry import section
from app.users.service import UserService
from app.validation import FieldProblem
from app.workplace import Work
from cli.errors import UsageError
from cli.users import expiry_shown


def hours_command(args: argparse.Namespace, work: Work) -> str:
    """Carry out one hours command in the caller's transaction; what to print once committed."""
    users = UserService(work.session, work.company, work.actor, work.clock)
    editor = UserEditor(work)
    opened = editor.open(users.find(args.user_id).pk, ["login_times"])
    if args.hours_command == "set":
        # The section's own check and save, as the window's Save makes them.
        changed = _hours_from_options(args, opened.states["login_times"])
        target = Target(opened.record.pk, opened.record.version)
        try:
            editor.save(target, {"login_times": changed})
        except SectionProblems as exc:
            raise UserSetupError(" ".join(exc.errors.values())) from exc
        opened = editor.open(opened.record.pk, ["login_times"])
    return _format_login_times(work, opened, as_json=args.json)


def _hours_from_options(args: argparse.Namespace, current: LoginTimes) -> LoginTimesEdit:
    """The user's login times with `hours set`'s changes, as the section's edit."""
    times, given, problems = current, set[int](), list[str]()
    for index, typed in args.day:
        name = WEEKDAY_NAMES[index]
        if index in given:
            raise UsageError(f"--day {name} is given twice")
        given.add(index)
        try:
            if not typed.strip():  # "--day mon=": more likely a script's empty variable
                raise FieldProblem("Give the hours: 09:00-18:00, 'all day' or 'off'.")
            times = times.with_day(index, DayHours.parse(typed))
        except FieldProblem as problem:
            problems.append(f"{name} ({typed!r}): {problem}")
    if problems:
        raise UserSetupError(" ".join(problems))
    limited = times.limited if args.limited is None else args.limited
    return LoginTimesEdit(limited, tuple(DayForm.of(day) for day in times.days), times.expires_on)


def login_times_as_json(work: Work, opened: Opened) -> dict[str, Any]:
    """The stable JSON form of one user's login times (documented in the README)."""
    state = opened.states["login_times"]
    return {"user_id": opened.record.fields.user_id, **section("login_times").as_json(work, state)}


def _format_login_times(work: Work, opened: Opened, *, as_json: bool) -> str:
    data = login_times_as_json(work, opened)
    if as_json:
        return json.dumps(data, indent=2)
    now, zone = work.clock(), ZoneInfo(work.company.time_zone)
    times: LoginTimes = opened.states["login_times"]
    if times.limited:
        limited = "on: only the hours below"
    else:
        limited = "off: any time (the hours below apply when it is on)"
    if data["allowed_now"]:
        allowed = "yes"
    else:
        allowed = "no (account expired)" if data["expired"] else "no (outside login hours)"
    rows = [("Limited access", limited)]
    for name, day in zip(WEEKDAY_NAMES, times.days, strict=True):
        rows.append((name, day.text + (" (ends the next day)" if day.overnight else "")))
    rows += [
        ("Account expires", expiry_shown(times.expires_on, zone, now)),
        ("Allowed now", allowed),
    ]
    lines = [f"Login Times - {opened.record.heading}"]
    lines += [f"  {label + ':':<26}{value}" for label, value in rows]
    lines.append(f"Times are in {zone.key} ({now.astimezone(zone).tzname()}).")
    return "\n".join(lines)
