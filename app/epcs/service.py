"""EPCS: two people grant a user's permission to prescribe controlled substances; one
enroller takes it away.

21 CFR 1311.125 asks that access to sign controlled-substance prescriptions be set by two
individuals, one of them a DEA registrant, the second approving with two-factor
authentication. Here an EPCS enroller starts a grant for a user linked to a provider; it
stays pending until a different user, holding EPCS approver, linked to a provider with a
current DEA registration and with an authenticator set up, approves it with a fresh token
from that authenticator, checked by the sign-in's own token check (a token used once never
passes again; a wrong one counts toward the approver's lockout). The subject's registration
and authenticator are checked again at that moment. A revocation only takes a privilege
away, so it needs no second person: an EPCS enroller revokes at once (``revoke``), and no
approver can hold it back by leaving it pending or refusing it. Revocation requests made
before that stay decidable as they were. Every request, approval, refusal, withdrawal and
revocation is audited; the program's own revocations are in app.epcs.revocation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, aliased

from app.access import Actor, refusal
from app.audit import Action, Change, said
from app.clock import Clock
from app.db.models import EpcsRequest, TwoFactorMethod, User
from app.epcs.dea import Registration, registration_problem
from app.epcs.revocation import (
    ALLOWED,
    NOT_ALLOWED,
    Kind,
    Status,
    company_today,
    sweep_lapsed,
    withdraw_pending,
)
from app.errors import NotFoundError, UserSetupError, ValidationError
from app.passwords.policy import load_policy
from app.practice.company import CompanyInfo
from app.rights import Right
from app.signin.check import SignInService
from app.signin.outcomes import REFUSED
from app.users.records import registration_of
from app.users.writer import UserWriter
from app.workplace import Work

T = TypeVar("T")

NEEDS_A_PERSON = (
    "Approving EPCS access needs a DEA registrant acting as themselves, with a token from "
    "their authenticator: the database administrator cannot approve. On the command line, "
    "use --as USERID (the password, then the token, on standard input)."
)
LOCKED_NOW = (
    "That token is not right, and too many wrong tokens have locked your account: ask "
    "another Administrator to unlock it."
)
REVOKE_AT_ONCE = (
    "A revocation needs no second person: an EPCS enroller revokes EPCS access at once "
    "(usersetup epcs revoke USERID, or Revoke EPCS access on the user's Roles page)."
)
# How the audit trail says who took the permission away, and why no one approved it.
REVOKED_AT_ONCE = "revoked at once by an EPCS enroller (taking it away needs no second person)"
REASON_NEEDED = "Say why the request is refused."
REASON_MAX = 200


class EpcsRefused(UserSetupError):
    """A request, approval, refusal or withdrawal the program refused, the reason in plain
    words. ``commit``: the attempt was audited (and a wrong token counted toward the
    approver's lockout) in the caller's transaction, which must commit for that to stay:
    run such a job through ``keeping_refusals``, and ``raise_kept`` its result after."""

    def __init__(self, message: str, *, commit: bool = False) -> None:
        super().__init__(message)
        self.commit = commit


def keeping_refusals(job: Callable[[Work], T]) -> Callable[[Work], T | EpcsRefused]:
    """``job``, whose audited refusal is returned (so its transaction commits) not raised."""

    def kept(work: Work) -> T | EpcsRefused:
        try:
            return job(work)
        except EpcsRefused as exc:
            if not exc.commit:
                raise
            return exc

    return kept


def raise_kept(result: T | EpcsRefused) -> T:
    """After the commit: the refusal ``keeping_refusals`` kept, raised; else the result."""
    if isinstance(result, EpcsRefused):
        raise result
    return result


def two_factor_ready(user: User) -> bool:
    """Has the user an authenticator set up? EPCS takes only the authenticator app, a device
    apart from the computer (21 CFR 1311.115), not a token mailed to an inbox on it."""
    return user.two_factor_method == TwoFactorMethod.APP and user.totp_secret is not None


@dataclass(frozen=True)
class EpcsRequestView:
    """A request as the pending list and the status show it."""

    id: int
    user_pk: int
    user_id: str
    user_name: str  # "Fox, Kimberly"
    kind: str  # Kind
    status: str  # Status
    requested_by: str
    requested_by_pk: int | None
    requested_at: datetime
    decided_by: str = ""
    decided_at: datetime | None = None
    reason: str = ""

    @property
    def what(self) -> str:
        return "grant" if self.kind == Kind.GRANT else "revocation"


@dataclass(frozen=True)
class EpcsStatus:
    """A user's EPCS state now: allowed (approved, and the registration current), since when
    and by whom; the pending request, if any; and why a grant could not be given now."""

    user_pk: int
    user_id: str
    allowed: bool
    allowed_since: datetime | None = None
    approved_by: str = ""
    pending: EpcsRequestView | None = None
    registration: Registration | None = None
    grant_problem: str | None = None  # None: a grant could be requested now

    def line(self) -> str:
        """ "EPCS: allowed since …", "EPCS: pending grant requested by … on …", "EPCS: not
        allowed" (times in UTC: the caller shows them in the practice's zone if it likes)."""
        if self.pending is not None:
            p = self.pending
            return (
                f"EPCS: pending {p.what} requested by {p.requested_by} on "
                f"{p.requested_at:%Y-%m-%d %H:%M} UTC"
                + (" (allowed until then)" if self.allowed else "")
            )
        if self.allowed:
            since = f" since {self.allowed_since:%Y-%m-%d}" if self.allowed_since else ""
            by = f", approved by {self.approved_by}" if self.approved_by else ""
            return f"EPCS: allowed{since}{by}"
        return "EPCS: not allowed"


def _view(request: EpcsRequest, user: User) -> EpcsRequestView:
    return EpcsRequestView(
        request.id,
        request.user_pk,
        user.user_id,
        f"{user.last_name}, {user.first_name}",
        request.kind,
        request.status,
        request.requested_by,
        request.requested_by_pk,
        request.requested_at,
        request.decided_by,
        request.decided_at,
        request.reason,
    )


class Epcs:
    """EPCS requests of one company, in the caller's transaction, for ``actor``."""

    def __init__(self, session: Session, company: CompanyInfo, actor: Actor, clock: Clock) -> None:
        self.session = session
        self.company = company
        self.actor = actor
        self.clock = clock
        self.writer = UserWriter(session, company, actor)

    # Reading

    def revoke_expired(self, now: datetime | None = None) -> int:
        """The sweep: permission taken from every user whose DEA registration lapsed, and
        their pending grants withdrawn, each audited; how many users it changed."""
        return sweep_lapsed(self.session, self.company, self.actor, now or self.clock())

    def pending(self) -> list[EpcsRequestView]:
        """The requests waiting for approval, oldest first (for enrollers and approvers)."""
        self._require_either()
        rows = self.session.execute(
            select(EpcsRequest, User)
            .join(User, User.id == EpcsRequest.user_pk)
            .where(
                EpcsRequest.company_id == self.company.id,
                EpcsRequest.status == Status.PENDING.value,
            )
            .order_by(EpcsRequest.requested_at, EpcsRequest.id)
        ).all()
        return [_view(request, user) for request, user in rows]

    def status(self, user_pk: int) -> EpcsStatus:
        """A user's EPCS state now: their row (kept from the transaction, if read) and one
        statement for the pending request and the approval that gave the permission."""
        self.actor.require(Right.VIEW_USERS)
        user = self.writer.load(user_pk)
        today = company_today(self.company, self.clock())
        requests = self.session.scalars(
            select(EpcsRequest)
            .where(
                EpcsRequest.company_id == self.company.id,
                EpcsRequest.user_pk == user_pk,
                or_(
                    EpcsRequest.status == Status.PENDING.value,
                    (EpcsRequest.status == Status.APPROVED.value)
                    & (EpcsRequest.kind == Kind.GRANT.value),
                ),
            )
            .order_by(EpcsRequest.id.desc())
        ).all()
        pending = next((r for r in requests if r.status == Status.PENDING), None)
        granted = next((r for r in requests if r.status == Status.APPROVED), None)
        registration = registration_of(user)
        allowed = user.epcs_allowed and registration is not None and registration.current(today)
        return EpcsStatus(
            user.id,
            user.user_id,
            allowed,
            granted.decided_at if allowed and granted else None,
            granted.decided_by if allowed and granted else "",
            _view(pending, user) if pending else None,
            registration,
            self._subject_problem(user),
        )

    # Requests

    def request(self, user_pk: int, kind: Kind | str = Kind.GRANT) -> EpcsRequestView:
        """Start a grant for a user; it stays pending until approved. A revocation is not
        requested: ``revoke`` takes the permission away at once."""
        kind = Kind(kind)
        self.actor.require(Right.EPCS_ENROLLER)
        if kind is Kind.REVOKE:
            raise EpcsRefused(REVOKE_AT_ONCE)
        user = self.writer.load(user_pk)
        # Two enrollers at once: the second waits here, then finds the first's request.
        self.session.execute(select(User.id).where(User.id == user_pk).with_for_update())
        if self._pending_of(user_pk) is not None:
            raise EpcsRefused(
                f"{user.user_id} already has an EPCS request waiting for approval; approve, "
                "refuse or withdraw it first."
            )
        if self._allowed_now(user):
            raise EpcsRefused(f"{user.user_id} may prescribe controlled substances already.")
        problem = self._subject_problem(user)
        if problem is not None:
            raise EpcsRefused(f"EPCS access cannot be requested: {problem}.")
        now = self.clock()
        request = EpcsRequest(
            company_id=self.company.id,
            user_pk=user.id,
            kind=kind.value,
            status=Status.PENDING.value,
            requested_by_pk=self.actor.user_pk,
            requested_by=self.actor.name[:100],
            requested_at=now,
        )
        self.session.add(request)
        self.session.flush()
        self.writer.audit(
            user,
            Action.EPCS_REQUESTED,
            [said("request", f"#{request.id} {kind.value}"), said("status", Status.PENDING.value)],
            now,
        )
        return _view(request, user)

    def revoke(self, user_pk: int) -> None:
        """An EPCS enroller takes the user's permission away at once, audited: taking a
        privilege away needs no second person. A request still pending for the user (a
        revocation asked for before, say) is withdrawn, audited too."""
        self.actor.require(Right.EPCS_ENROLLER)
        user = self.writer.load(user_pk)
        # An approval for the same user at that moment: one waits for the other, and this
        # reads the row as the other left it.
        self.session.scalars(
            select(User)
            .where(User.id == user.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).one()
        if not user.epcs_allowed:
            raise EpcsRefused(
                f"{user.user_id} may not prescribe controlled substances: there is nothing to "
                "revoke."
            )
        now = self.clock()
        withdraw_pending(
            self.session, self.company, self.actor, user, f"revoked at once by {self.actor.name}",
            now,
        )  # fmt: skip
        user.epcs_allowed = False
        self.writer.save(
            user,
            Action.EPCS_REVOKED,
            [
                Change("epcs", ALLOWED, NOT_ALLOWED),
                said("reason", REVOKED_AT_ONCE),
            ],
            now,
        )

    def approve(self, request_id: int, token: str) -> EpcsRequestView:
        """Approve a pending request with a fresh token from the approver's authenticator.
        Every refusal is an EpcsRefused with its reason, audited (``commit``)."""
        request, user = self._pending_request(request_id)
        try:
            approver = self._check_approver(request)
            if request.kind == Kind.GRANT:
                problem = self._subject_problem(user)
                if problem is not None:
                    raise EpcsRefused(f"The grant cannot be approved now: {problem}.")
            self._check_token(approver, token)
        except EpcsRefused as exc:
            self._audit_refused_attempt(request, user, str(exc))
            exc.commit = True
            raise
        now = self.clock()
        grant = request.kind == Kind.GRANT
        before = user.epcs_allowed
        user.epcs_allowed = grant
        self._decide(request, Status.APPROVED, now)
        self.writer.save(
            user,
            Action.EPCS_APPROVED,
            [
                Change(
                    "epcs", ALLOWED if before else NOT_ALLOWED, ALLOWED if grant else NOT_ALLOWED
                ),
                said("request", f"#{request.id} {request.kind}"),
                said("requested_by", request.requested_by),
                said("approved_with", "a fresh token from the approver's authenticator"),
            ],
            now,
        )
        return _view(request, user)

    def refuse(self, request_id: int, reason: str) -> EpcsRequestView:
        """An approver refuses a pending request, saying why; nothing else changes."""
        request, user = self._pending_request(request_id)
        if not self.actor.may(Right.EPCS_APPROVER):
            raise EpcsRefused(refusal(Right.EPCS_APPROVER))
        if self.actor.user_pk is not None and self.actor.user_pk == request.user_pk:
            raise EpcsRefused("You cannot decide on a request about your own EPCS access.")
        text = " ".join(reason.split())
        if not text:
            raise ValidationError({"reason": REASON_NEEDED})
        if len(text) > REASON_MAX:
            raise ValidationError({"reason": f"Keep the reason to {REASON_MAX} characters."})
        now = self.clock()
        self._decide(request, Status.REFUSED, now, text)
        self.writer.audit(
            user,
            Action.EPCS_REFUSED,
            [
                said("request", f"#{request.id} {request.kind}"),
                said("requested_by", request.requested_by),
                said("reason", text),
            ],
            now,
        )
        return _view(request, user)

    def withdraw(self, request_id: int) -> EpcsRequestView:
        """Its requester takes a pending request back."""
        request, user = self._pending_request(request_id)
        self.actor.require(Right.EPCS_ENROLLER)
        if request.requested_by_pk != self.actor.user_pk:
            raise EpcsRefused(
                f"Only {request.requested_by}, who asked for it, may withdraw request "
                f"#{request.id}; an approver may refuse it."
            )
        now = self.clock()
        self._decide(request, Status.WITHDRAWN, now, "withdrawn by its requester")
        self.writer.audit(
            user,
            Action.EPCS_WITHDRAWN,
            [said("request", f"#{request.id} {request.kind}"), said("reason", "by its requester")],
            now,
        )
        return _view(request, user)

    # The rules

    def _require_either(self) -> None:
        if not (self.actor.may(Right.EPCS_ENROLLER) or self.actor.may(Right.EPCS_APPROVER)):
            self.actor.require(Right.EPCS_APPROVER)

    def _allowed_now(self, user: User) -> bool:
        registration = registration_of(user)
        today = company_today(self.company, self.clock())
        return user.epcs_allowed and registration is not None and registration.current(today)

    def _subject_problem(self, user: User) -> str | None:
        """Why this user cannot be given EPCS access now, in words after their User ID."""
        who = user.user_id
        if not user.active:
            return f"{who} is inactive"
        registration = registration_of(user)
        if registration is None:
            return f"{who} is not linked to a provider, so has no DEA registration"
        today = company_today(self.company, self.clock())
        problem = registration_problem(registration, user.provider_last_name or "", today)
        if problem is not None:
            return f"{who} {problem}"
        if not two_factor_ready(user):
            return f"{who} has no authenticator set up for two-factor sign-in"
        return None

    def _pending_of(self, user_pk: int) -> EpcsRequest | None:
        """A locking read: it sees what committed since the transaction's first read."""
        return self.session.scalars(
            select(EpcsRequest)
            .where(
                EpcsRequest.company_id == self.company.id,
                EpcsRequest.user_pk == user_pk,
                EpcsRequest.status == Status.PENDING.value,
            )
            .with_for_update()
        ).first()

    def _pending_request(self, request_id: int) -> tuple[EpcsRequest, User]:
        subject = aliased(User)
        row = self.session.execute(
            select(EpcsRequest, subject)
            .join(subject, subject.id == EpcsRequest.user_pk)
            .where(EpcsRequest.id == request_id, EpcsRequest.company_id == self.company.id)
            # Two approvers at once: the second waits, then reads it decided already.
            .with_for_update(of=EpcsRequest)
        ).first()
        if row is None:
            raise NotFoundError(f"There is no EPCS request #{request_id} in {self.company.code}.")
        request, user = row
        if request.status != Status.PENDING:
            raise EpcsRefused(f"Request #{request_id} is {request.status} already, not pending.")
        return request, user

    def _check_approver(self, request: EpcsRequest) -> User:
        """The approver's own row, if they may approve this request; EpcsRefused otherwise."""
        if self.actor.is_database_administrator:
            raise EpcsRefused(NEEDS_A_PERSON)
        if not self.actor.may(Right.EPCS_APPROVER):
            raise EpcsRefused(refusal(Right.EPCS_APPROVER))
        if self.actor.user_pk == request.user_pk:
            raise EpcsRefused(
                "You cannot approve a request about your own EPCS access: a second person must."
            )
        if self.actor.user_pk == request.requested_by_pk:
            raise EpcsRefused(
                "You asked for this request, so a second person must approve it (21 CFR "
                "1311.125: two people)."
            )
        assert self.actor.user_pk is not None
        approver = self.writer.load(self.actor.user_pk)
        registration = registration_of(approver)
        if registration is None:
            raise EpcsRefused(
                "Only a DEA registrant may approve EPCS access, and you are not linked to a "
                "provider."
            )
        today = company_today(self.company, self.clock())
        problem = registration_problem(registration, approver.provider_last_name or "", today)
        if problem is not None:
            yours = problem.replace("has ", "you have ", 1).replace("their", "your")
            raise EpcsRefused(
                f"Only a registrant with a current DEA registration may approve, and {yours}."
            )
        if not two_factor_ready(approver):
            raise EpcsRefused(
                "Approving needs a token from your authenticator, and you have none set up: "
                "set one up in the 2FA section first."
            )
        return approver

    def _check_token(self, approver: User, token: str) -> None:
        """The sign-in's own token check: a token used before never passes again, and a
        wrong one counts toward the approver's lockout and is audited as at sign-in."""
        signin = SignInService(self.session, self.clock, self.actor.workstation)
        policy = load_policy(self.session, self.company.id)
        verdict = signin.check_second_factor(approver, token, policy, None)
        if not verdict.accepted:
            message = verdict.message if verdict.message != REFUSED else LOCKED_NOW
            raise EpcsRefused(message, commit=True)

    def _decide(
        self, request: EpcsRequest, status: Status, now: datetime, reason: str = ""
    ) -> None:
        request.status = status.value
        request.decided_by_pk = self.actor.user_pk
        request.decided_by = self.actor.name[:100]
        request.decided_at = now
        request.reason = reason[:255]

    def _audit_refused_attempt(self, request: EpcsRequest, user: User, why: str) -> None:
        self.writer.audit(
            user,
            Action.EPCS_APPROVAL_REFUSED,
            [said("request", f"#{request.id} {request.kind}"), said("reason", why)],
            self.clock(),
        )
