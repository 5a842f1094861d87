"""Every action is done by a named actor, and app/ refuses what the actor may not do.

Each test here performs what a Front Desk operator (or a careless administrator) could try
from a modified window or a script, and sees app/ refuse it with nothing written.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from keyring.errors import KeyringError
from sqlalchemy import Engine, event, text
from sqlalchemy.orm import Session

from app.access import EVERY_RIGHT, USER_SETUP_RIGHTS, Actor, Right
from app.audit import Action
from app.db.database import Database
from app.errors import ConflictError, NotAllowedError, NotFoundError, ValidationError
from app.login_times.hours import LoginTimes
from app.login_times.service import LoginTimesService
from app.outbound.delivery import GivenSenders, Senders
from app.outbound.mail import KEYRING_SERVICE, MailSettings, save_mail_settings
from app.outbound.sms import SmsSettings, save_sms_settings
from app.passwords.policy import PasswordPolicy, save_policy
from app.practice.company import CompanyInfo, create_company
from app.practice.company_settings import CompanySettingsEditor, MailEdit
from app.sections.base import Target
from app.sections.editor import SectionProblems, UserEditor
from app.two_factor.policy import TwoFactorPolicy, save_two_factor_policy
from app.two_factor.service import TwoFactorForm, TwoFactorService
from app.users.direct_email import send_activation_code, verify_activation_code
from app.users.records import UserFields
from app.users.service import UserService
from app.workplace import Work, Workplace
from tests.conftest import FixedClock
from tests.helpers.actors import dba, front_desk, signed_in
from tests.helpers.mail_server import MemoryStore
from tests.helpers.records import (
    add_user,
    audit_events,
    committed_company,
    stored_user,
    version_of,
)
from tests.helpers.roles import SetupRole, rights_of_role, set_setup_role, stored_roles

LAST_KEEPER = "the only user of this practice who can sign in and edit roles"


class Store:
    def __init__(self) -> None:
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service_name: str, username: str) -> str | None:
        return self.secrets.get((service_name, username))

    def set_password(self, service_name: str, username: str, password: str) -> None:
        self.secrets[(service_name, username)] = password


# The catalog


def test_an_administrator_holds_every_right_and_the_front_desk_finds_resets_and_unlocks():
    assert rights_of_role(SetupRole.ADMINISTRATOR) == EVERY_RIGHT
    assert rights_of_role(SetupRole.FRONT_DESK) == {
        Right.VIEW_USERS,
        Right.RESET_PASSWORDS,
        Right.CHANGE_OWN_PASSWORD,
        Right.OWN_TWO_FACTOR,
    }
    assert rights_of_role(None) == frozenset()


def test_the_database_administrator_is_named_with_the_system_user_and_host():
    actor = Actor.database_administrator()
    assert actor.rights == EVERY_RIGHT and actor.is_database_administrator
    assert "database administrator, command line" in actor.name


def test_nobody_takes_over_the_sign_in_of_someone_who_may_do_more():
    desk, admin = front_desk(), signed_in()
    assert desk.may_manage(frozenset())  # a user without User Setup rights
    assert not desk.may_manage(rights_of_role(SetupRole.FRONT_DESK))  # a desk: not by a desk
    assert not desk.may_manage(EVERY_RIGHT)
    assert admin.may_manage(EVERY_RIGHT) and admin.may_manage(USER_SETUP_RIGHTS)


def test_every_action_is_stored_by_a_name_of_its_own():
    values = [action.value for action in Action]
    assert len(values) == len(set(values))


# What the front desk may not do, refused in app/


def _desk_users(session: Any, company: CompanyInfo, clock: FixedClock) -> UserService:
    return UserService(session, company, front_desk(), clock)


def test_the_front_desk_cannot_change_company_settings(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    store = Store()
    desk = front_desk()
    attempts: tuple[Callable[[Session], object], ...] = (
        lambda s: save_policy(
            s, company.id, PasswordPolicy(min_length=8), actor=desk, clock=clock,
            expected_version=0,
        ),
        lambda s: save_two_factor_policy(
            s, company.id, TwoFactorPolicy(0, ("0.0.0.0/1",)), actor=desk, clock=clock,
            expected_version=0,
        ),
        lambda s: save_mail_settings(
            s, company.id, company.code, MailSettings("evil.example", 25, "none", "a@b.example"),
            password="theirs", store=store, actor=desk, clock=clock, expected_version=0,
        ),
        lambda s: save_sms_settings(
            s, company.id, company.code, "US", SmsSettings("AC1", "(614) 555-0100"),
            token="theirs", store=store, actor=desk, clock=clock, expected_version=0,
        ),
    )  # fmt: skip
    for attempt in attempts:
        with pytest.raises(NotAllowedError), database.transaction() as session:
            attempt(session)
    assert store.secrets == {}  # not even the keyring was written
    assert audit_events(database, company_id=company.id) == []


def test_the_front_desk_cannot_verify_a_direct_email_address(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    pk = add_user(database, company, clock, "kimberly", direct_email="kim@direct.example")
    desk = front_desk()
    with pytest.raises(NotAllowedError):
        send_activation_code(Workplace(database, company, desk, clock), pk, GivenSenders(Senders()))
    with pytest.raises(NotAllowedError), database.transaction() as session:
        verify_activation_code(Work(session, company, desk, clock), pk, "123456")
    assert audit_events(database, user_pk=pk, prefix="direct_email.") == []


def test_the_front_desk_cannot_see_or_make_an_authenticator_key(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    pk = add_user(database, company, clock, "kimberly")
    with database.transaction() as session:
        desk = TwoFactorService(session, company, front_desk(), clock)
        with pytest.raises(NotAllowedError):
            desk.enrolment(pk)
        with pytest.raises(NotAllowedError):
            desk.save(pk, TwoFactorForm("email", "kim@example.com"), version_of(session, pk))
        with pytest.raises(NotAllowedError):
            desk.reset(pk)
        with pytest.raises(NotAllowedError):
            desk.new_recovery_codes(pk)
        with pytest.raises(NotAllowedError):
            LoginTimesService(session, company, front_desk(), clock).save(
                pk, LoginTimes(limited=True), version_of(session, pk)
            )


def test_the_front_desk_cannot_give_roles_or_add_users(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    pk = add_user(database, company, clock, "kimberly")
    with database.transaction() as session:
        desk = _desk_users(session, company, clock)
        with pytest.raises(NotAllowedError):
            set_setup_role(desk, pk, SetupRole.ADMINISTRATOR)  # and so make herself one
        with pytest.raises(NotAllowedError):
            desk.set_active(pk, False)
        with pytest.raises(NotAllowedError):
            desk.create(desk.copy_from(pk))
    assert stored_roles(database, company.id, pk) == ()


def test_the_front_desk_cannot_reset_another_front_desk(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    other = add_user(database, company, clock, "jdesk", role=SetupRole.FRONT_DESK)
    helped = add_user(database, company, clock, "kimberly")
    with database.transaction() as session:
        desk = _desk_users(session, company, clock)
        with pytest.raises(NotAllowedError):
            desk.reset_password(other)
        with pytest.raises(NotAllowedError):
            desk.unlock(other)
        desk.reset_password(helped)
    with database.transaction() as session:  # an administrator helps any operator
        UserService(session, company, signed_in(), clock).reset_password(other)


def test_an_actor_without_view_rights_sees_no_user(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    pk = add_user(database, company, clock, "kimberly")
    nobody = Actor("kimberly at HOME-PC", frozenset(), "HOME-PC", pk)
    with database.transaction() as session:
        users = UserService(session, company, nobody, clock)
        for look in (users.list_rows, lambda: users.get(pk), lambda: users.find("kimberly")):
            with pytest.raises(NotAllowedError):
                look()


# The practice is never locked out of User Setup


def _admins(database: Database, company: CompanyInfo, clock: FixedClock) -> tuple[int, int]:
    maria = add_user(database, company, clock, "mreyes", role=SetupRole.ADMINISTRATOR)
    kim = add_user(database, company, clock, "kimberly")
    return maria, kim


@pytest.mark.parametrize("change", ["deactivate", "lock"])
def test_an_operator_cannot_deactivate_or_lock_themselves(
    database: Database, company: CompanyInfo, clock: FixedClock, change: str
) -> None:
    maria, _ = _admins(database, company, clock)
    add_user(database, company, clock, "wcassady", role=SetupRole.ADMINISTRATOR)
    herself = signed_in("mreyes (Reyes, Maria)", user_pk=maria)
    with pytest.raises(ValidationError) as refused, database.transaction() as session:
        users = UserService(session, company, herself, clock)
        record = users.get(maria)
        if change == "deactivate":
            users.set_active(maria, False, record.version)
        else:
            form = record.fields
            form.login_locked = True
            users.update(maria, form, record.version)
    field = "active" if change == "deactivate" else "login_locked"
    assert list(refused.value.errors) == [field]
    assert "your own account" in refused.value.errors[field]
    stored = stored_user(database, maria)
    assert stored.active and not stored.login_locked


@pytest.mark.parametrize("change", ["deactivate", "lock", "demote"])
def test_the_last_active_administrator_cannot_be_taken_away(
    database: Database, company: CompanyInfo, clock: FixedClock, change: str
) -> None:
    maria, _ = _admins(database, company, clock)
    with pytest.raises(ValidationError) as refused, database.transaction() as session:
        users = UserService(session, company, dba(), clock)  # the command line refuses too
        record = users.get(maria)
        if change == "deactivate":
            users.set_active(maria, False)
        elif change == "lock":
            form = record.fields
            form.login_locked = True
            users.update(maria, form, record.version)
        else:
            set_setup_role(users, maria, SetupRole.FRONT_DESK)
    (message,) = refused.value.errors.values()
    assert LAST_KEEPER in message
    stored = stored_user(database, maria)
    assert (stored.active, stored.login_locked) == (True, False)
    assert stored_roles(database, company.id, maria) == ("Administrator",)


def test_with_another_administrator_one_may_go(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    maria, _ = _admins(database, company, clock)
    wes = add_user(database, company, clock, "wcassady", role=SetupRole.ADMINISTRATOR)
    with database.transaction() as session:
        users = UserService(session, company, signed_in(user_pk=wes), clock)
        users.set_active(maria, False)
    assert not stored_user(database, maria).active


def test_a_locked_or_inactive_administrator_does_not_count_as_the_other_one(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    maria, _ = _admins(database, company, clock)
    add_user(database, company, clock, "wlocked", role=SetupRole.ADMINISTRATOR, login_locked=True)
    gone = add_user(database, company, clock, "wgone", role=SetupRole.ADMINISTRATOR)
    with database.transaction() as session:
        UserService(session, company, dba(), clock).set_active(gone, False)
    with pytest.raises(ValidationError), database.transaction() as session:
        UserService(session, company, dba(), clock).set_active(maria, False)


def test_the_audit_trail_names_who_acted(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    pk = add_user(database, company, clock, "kimberly")
    with database.transaction() as session:
        desk = UserService(session, company, front_desk("lblake (Blake, Lauren)"), clock)
        desk.reset_password(pk)
    (event,) = audit_events(database, user_pk=pk, prefix="password.")
    assert event.operator == "lblake (Blake, Lauren)"
    assert stored_user(database, pk).updated_by == "lblake (Blake, Lauren)"


# Found by an attacker's review: each test performs the attack and sees it refused.


def _guessed(
    database: Database, company: CompanyInfo, actor: Actor, clock: FixedClock, pk: int, guess: str
) -> bool:
    """Does checking a form with ``guess`` as a new password say it is one the user had?"""
    form = UserFields(user_id="zzqx", first_name="Qqqq", last_name="Wwww",
                      new_password=guess, retype_password=guess)  # fmt: skip
    try:
        with database.transaction() as session:
            UserEditor(Work(session, company, actor, clock)).check(Target(pk, 0), {"user": form})
    except SectionProblems as problems:
        return "recently" in problems.errors.get("new_password", "")
    except (NotAllowedError, NotFoundError):
        return False
    return False


def test_checking_a_form_tells_no_one_else_s_password(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    admin = add_user(database, company, clock, "mreyes", role=SetupRole.ADMINISTRATOR)
    with database.transaction() as session:
        other = create_company(session, "hill", "Hill Clinic", "America/Chicago")
    theirs = add_user(database, other, clock, "hadmin", password="granite river morning")
    # Front Desk may not check a form at all, and an Administrator of one practice cannot
    # reach a user of another; so neither learns a password by guessing it.
    with pytest.raises(NotAllowedError), database.transaction() as session:
        UserService(session, company, front_desk(), clock).check(UserFields(), admin)
    assert not _guessed(database, company, front_desk(), clock, admin, "quiet harbor lights")
    assert not _guessed(database, company, dba(), clock, theirs, "granite river morning")
    with pytest.raises(NotFoundError), database.transaction() as session:
        form = UserFields(user_id="zzqx", first_name="Q", last_name="W",
                          new_password="granite river morning",
                          retype_password="granite river morning")  # fmt: skip
        UserService(session, company, dba(), clock).check(form, theirs)


def test_an_operator_removed_meanwhile_changes_nothing_from_the_window_still_open(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    mallory = add_user(database, company, clock, "mallory", role=SetupRole.ADMINISTRATOR)
    add_user(database, company, clock, "mreyes", role=SetupRole.ADMINISTRATOR)
    # Her window: the rights she signed in with, each job in a transaction of its own.
    window = Workplace(database, company, signed_in("mallory", user_pk=mallory), clock)
    with database.transaction() as session:  # meanwhile, at the command line
        users = UserService(session, company, dba("root"), clock)
        set_setup_role(users, mallory, None)
        users.set_active(mallory, False)

    def undo(work: Work) -> None:
        users = UserService(work.session, work.company, work.actor, work.clock)
        users.set_active(mallory, True)

    def promote(work: Work) -> None:
        users = UserService(work.session, work.company, work.actor, work.clock)
        set_setup_role(users, mallory, SetupRole.ADMINISTRATOR)

    for job in (undo, promote):
        with pytest.raises(NotAllowedError, match="no longer allows"):
            window.within(job)
    stored = stored_user(database, mallory)
    assert (stored.active, stored_roles(database, company.id, mallory)) == (False, ())


def test_a_demoted_operator_keeps_only_the_rights_of_their_new_role(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    maria = add_user(database, company, clock, "mreyes", role=SetupRole.ADMINISTRATOR)
    add_user(database, company, clock, "wcassady", role=SetupRole.ADMINISTRATOR)
    kim = add_user(database, company, clock, "kimberly")
    window = Workplace(database, company, signed_in(user_pk=maria), clock)
    with database.transaction() as session:
        set_setup_role(UserService(session, company, dba(), clock), maria, SetupRole.FRONT_DESK)
    with pytest.raises(NotAllowedError):
        window.within(lambda work: LoginTimesService(
            work.session, work.company, work.actor, work.clock
        ).set_expiry(kim, None))  # fmt: skip
    # What Front Desk may do, she still may.
    window.within(
        lambda work: UserService(work.session, work.company, work.actor, work.clock)
        .reset_password(kim)
    )  # fmt: skip


def test_an_administrator_cannot_end_their_own_account_through_login_times(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    maria = add_user(database, company, clock, "mreyes", role=SetupRole.ADMINISTRATOR)
    add_user(database, company, clock, "wcassady", role=SetupRole.ADMINISTRATOR)
    yesterday = date(2026, 11, 21)
    with pytest.raises(ValidationError) as refused, database.transaction() as session:
        hours = LoginTimesService(session, company, signed_in(user_pk=maria), clock)
        hours.set_expiry(maria, yesterday)
    assert "your own account" in refused.value.errors["expires_on"]
    with database.transaction() as session:  # an expiry still to come is hers to set
        hours = LoginTimesService(session, company, signed_in(user_pk=maria), clock)
        hours.set_expiry(maria, date(2027, 6, 30))
    assert stored_user(database, maria).account_expires_on == date(2027, 6, 30)


def test_the_last_administrator_who_can_sign_in_is_kept_whatever_ends_the_others(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    maria = add_user(database, company, clock, "mreyes", role=SetupRole.ADMINISTRATOR)
    gone = add_user(database, company, clock, "wgone", role=SetupRole.ADMINISTRATOR)
    with database.transaction() as session:  # the other one's account ended in January
        LoginTimesService(session, company, dba(), clock).set_expiry(gone, date(2026, 1, 31))
    with pytest.raises(ValidationError) as refused, database.transaction() as session:
        UserService(session, company, dba(), clock).set_active(maria, False)
    assert LAST_KEEPER in refused.value.errors["active"]
    with pytest.raises(ValidationError) as refused, database.transaction() as session:
        LoginTimesService(session, company, dba(), clock).set_expiry(maria, date(2026, 11, 1))
    assert LAST_KEEPER in refused.value.errors["expires_on"]
    assert stored_user(database, maria).active


def test_a_refused_mail_save_leaves_the_keyring_as_it_was(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    store = MemoryStore()
    settings = MailSettings("smtp.example.org", 587, "starttls", "office@valley.example", "office")
    with database.transaction() as session:
        CompanySettingsEditor(Work(session, company, dba(), clock)).save(
            {"mail": MailEdit(settings, "the right one", store)}, {"mail": 0}
        )
    account = (KEYRING_SERVICE, settings.keyring_account(company.code))
    assert store.passwords[account] == "the right one"
    with pytest.raises(ConflictError), database.transaction() as session:  # read at version 0
        CompanySettingsEditor(Work(session, company, dba(), clock)).save(
            {"mail": MailEdit(settings, "slipped in", store)}, {"mail": 0}
        )
    assert store.passwords[account] == "the right one"
    assert len(audit_events(database, prefix="mail.")) == 1


def _waiting_on_a_lock(engine: Engine) -> bool:
    """Is a statement of this server waiting for a row lock another transaction holds?"""
    query = (
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
        if engine.dialect.name == "postgresql"
        else "SELECT count(*) FROM information_schema.processlist WHERE info LIKE '%FOR UPDATE'"
    )
    with engine.connect() as conn:
        return bool(conn.execute(text(query)).scalar())


def test_two_administrators_taking_each_other_away_at_once_leave_one(
    engine: Engine, database_url: str, clock: FixedClock
) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite lets one writer in at a time: the two saves cannot overlap there")
    database = Database.for_engine(engine, "race")
    with committed_company(database, engine, "race") as company:
        alice = add_user(database, company, clock, "alice", role=SetupRole.ADMINISTRATOR)
        bob = add_user(database, company, clock, "bob", role=SetupRole.ADMINISTRATOR)

        def desk_of(actor_pk: int, name: str) -> Workplace:
            return Workplace(database, company, signed_in(name, user_pk=actor_pk), clock)

        def deactivate(work: Work, target: int) -> None:
            UserService(work.session, work.company, work.actor, work.clock).set_active(
                target, False
            )

        outcomes: list[BaseException | None] = []
        with database.transaction() as session:  # alice deactivates bob and has not committed
            actor = signed_in("alice", user_pk=alice)
            deactivate(Work(session, company, actor, clock), bob)
            session.flush()

            def second() -> None:  # meanwhile bob, at his desk, deactivates alice
                try:
                    desk_of(bob, "bob").within(lambda work: deactivate(work, alice))
                    outcomes.append(None)
                except (ValidationError, NotAllowedError) as refused:
                    outcomes.append(refused)

            other = threading.Thread(target=second)
            sent, answered = threading.Event(), threading.Event()

            def seen(*args: Any) -> None:  # bob's transaction asking who the Administrators are
                if (
                    threading.current_thread() is other
                    and "FOR UPDATE" in args[2]
                    and "FROM user_roles" in args[2]
                ):
                    (answered if sent.is_set() else sent).set()

            event.listen(engine, "before_cursor_execute", seen)
            event.listen(engine, "after_cursor_execute", seen)
            other.start()
            # Alice commits once bob's save has read the Administrators (no lock kept it
            # from seeing them before her change) or waits for the rows she holds.
            while other.is_alive() and not answered.is_set():
                if sent.is_set() and _waiting_on_a_lock(engine):
                    break
                other.join(0.01)
        event.remove(engine, "before_cursor_execute", seen)
        event.remove(engine, "after_cursor_execute", seen)
        other.join()
        (outcome,) = outcomes
        assert isinstance(outcome, ValidationError | NotAllowedError)  # bob's save was refused
        assert stored_user(database, alice).active


def test_an_administrator_whose_account_was_ended_meanwhile_does_not_count_as_the_other(
    engine: Engine, database_url: str, clock: FixedClock
) -> None:
    """Anna's save reads her own row first (her rights), then bert ends her account from his
    desk and commits, then her save deactivates bert. The rule that one Administrator must be
    left counts the Administrators as their locked rows are now, not as her save read her."""
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite lets one writer in at a time: the stale read is refused there")
    database = Database.for_engine(engine, "race")
    with committed_company(database, engine, "stale") as company:
        anna = add_user(database, company, clock, "anna", role=SetupRole.ADMINISTRATOR)
        bert = add_user(database, company, clock, "bert", role=SetupRole.ADMINISTRATOR)
        ended = LoginTimes(expires_on=(clock() - timedelta(days=2)).date())

        def anna_deactivates_bert(work: Work) -> None:
            users = UserService(work.session, work.company, work.actor, work.clock)
            work.actor.require(Right.EDIT_USERS)  # her rights are read now, with her own row
            Workplace(database, company, signed_in("bert", user_pk=bert), clock).within(
                lambda other: LoginTimesService(
                    other.session, other.company, other.actor, other.clock
                ).set_expiry(anna, ended.expires_on)
            )  # bert, meanwhile, on his own connection: committed
            users.set_active(bert, False)

        with pytest.raises(ValidationError, match=LAST_KEEPER):
            Workplace(database, company, signed_in("anna", user_pk=anna), clock).within(
                anna_deactivates_bert
            )
        assert stored_user(database, bert).active


class _FullKeyring(MemoryStore):
    """A keyring that reads but cannot keep what it is given (a locked or full vault)."""

    def set_password(self, service_name: str, username: str, password: str) -> None:
        raise KeyringError("the vault refused it")


def test_a_keyring_that_cannot_keep_the_password_leaves_the_settings_unsaved(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    settings = MailSettings("smtp.example.org", 587, "starttls", "office@valley.example", "office")
    with pytest.raises(ValidationError) as refused, database.transaction() as session:
        CompanySettingsEditor(Work(session, company, dba(), clock)).save(
            {"mail": MailEdit(settings, "never kept", _FullKeyring())}, {"mail": 0}
        )
    assert "nothing was saved" in refused.value.errors["password"]
    with database.transaction() as session:
        assert (
            CompanySettingsEditor(Work(session, company, dba(), clock)).open()["mail"].version == 0
        )
    assert audit_events(database, prefix="mail.") == []


def test_an_administrator_demoted_to_the_desk_cannot_take_over_an_administrator(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    mallory = add_user(database, company, clock, "mallory", role=SetupRole.ADMINISTRATOR)
    boss = add_user(database, company, clock, "mreyes", role=SetupRole.ADMINISTRATOR)
    window = Workplace(database, company, signed_in("mallory", user_pk=mallory), clock)
    with database.transaction() as session:
        set_setup_role(UserService(session, company, dba(), clock), mallory, SetupRole.FRONT_DESK)

    def take_over(work: Work) -> None:
        users = UserService(work.session, work.company, work.actor, work.clock)
        users.reset_password(boss, must_change=False)

    with pytest.raises(NotAllowedError):
        window.within(take_over)
    assert stored_user(database, boss).temporary_expires_at is None  # her password untouched


def test_the_last_administrator_s_account_is_given_no_end_date_at_all(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    maria = add_user(database, company, clock, "mreyes", role=SetupRole.ADMINISTRATOR)
    for day in (date(2026, 11, 22), date(2027, 6, 30)):  # today (it ends tonight), or later
        with pytest.raises(ValidationError) as refused, database.transaction() as session:
            LoginTimesService(session, company, dba(), clock).set_expiry(maria, day)
        assert LAST_KEEPER in refused.value.errors["expires_on"]
    assert stored_user(database, maria).account_expires_on is None


def test_an_administrator_whose_temporary_password_ran_out_is_not_the_other_one(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    maria = add_user(database, company, clock, "mreyes", role=SetupRole.ADMINISTRATOR)
    tadmin = add_user(database, company, clock, "tadmin", role=SetupRole.ADMINISTRATOR)
    with database.transaction() as session:
        UserService(session, company, dba(), clock).reset_password(tadmin)
    clock.now += timedelta(days=30)  # long past the temporary password's hours
    with pytest.raises(ValidationError), database.transaction() as session:
        UserService(session, company, dba(), clock).set_active(maria, False)
    assert stored_user(database, maria).active
