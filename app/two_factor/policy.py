"""The company's two-factor rules, and what a sign-in still needs after the password."""

from __future__ import annotations

import enum
import ipaddress
from dataclasses import dataclass, replace

from sqlalchemy.orm import Session

from app.access import Actor, Right
from app.audit import Action
from app.clock import Clock
from app.db.models import (
    TwoFactorMethod,
    TwoFactorPolicyRow,
    TwoFactorSetup,
    User,
)
from app.errors import ValidationError
from app.practice.settings import save_settings, settings_row


class CompanyDefault(enum.IntEnum):
    """Company Settings: what users without a method of their own get."""

    OFF = 0
    REQUIRED = 1  # every user sets up an authenticator at next login, with no way past it
    SUGGESTED = 2  # users are prompted at next login and may skip


@dataclass(frozen=True)
class TwoFactorPolicy:
    default_for_users: int = CompanyDefault.OFF
    # LAN subnets (CIDR) from which in-office sign-ins skip the second factor.
    excluded_networks: tuple[str, ...] = ()
    # `usersetup login --ip`: a calling program's word for where a sign-in comes from, which
    # skips the token from an excluded network only when the practice trusts its programs.
    trust_caller_addresses: bool = False

    def checked(self) -> TwoFactorPolicy:
        """These rules with the subnets written canonically; ValidationError if any is bad."""
        errors: dict[str, str] = {}
        if self.default_for_users not in {d.value for d in CompanyDefault}:
            errors["default_for_users"] = "Choose 0 (off), 1 (required) or 2 (suggested)."
        networks: list[str] = []
        for text in self.excluded_networks:
            text = text.strip()
            if not text:
                continue
            try:
                network = ipaddress.ip_network(text, strict=True)
            except ValueError:
                try:
                    meant = ipaddress.ip_network(text, strict=False)
                except ValueError:
                    errors["excluded_networks"] = (
                        f"{text!r} is not a subnet; write it as an address and a prefix "
                        "length, e.g. 192.168.1.0/24."
                    )
                    break
                errors["excluded_networks"] = f"{text!r} has host bits set; did you mean {meant}?"
                break
            if (network.num_addresses > 2**24 and network.version == 4) or network.prefixlen == 0:
                errors["excluded_networks"] = (
                    f"{network} would let half the internet skip the token; list only the "
                    "office's own subnets."
                )
                break
            if str(network) not in networks:
                networks.append(str(network))
        if errors:
            raise ValidationError(errors)
        return replace(self, excluded_networks=tuple(networks))

    def excludes(self, ip: str | None) -> bool:
        """Does a sign-in from this address skip the second factor?"""
        if not ip or not self.excluded_networks:
            return False
        try:
            address = ipaddress.ip_address(ip.strip())
        except ValueError:
            return False
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped  # ::ffff:192.168.1.5 is 192.168.1.5
        return any(address in ipaddress.ip_network(n) for n in self.excluded_networks)


def load_two_factor_policy(session: Session, company_id: int) -> tuple[TwoFactorPolicy, int]:
    """The company's 2FA rules and their version (0: none stored, 2FA off)."""
    row = settings_row(session, TwoFactorPolicyRow, company_id)
    if row is None:
        return TwoFactorPolicy(), 0
    policy = TwoFactorPolicy(
        row.default_for_users, tuple(row.excluded_networks), row.trust_caller_addresses
    )
    return policy, row.version


def save_two_factor_policy(
    session: Session,
    company_id: int,
    policy: TwoFactorPolicy,
    *,
    actor: Actor,
    clock: Clock,
    expected_version: int,
) -> int:
    """Store the company's 2FA rules, audited; the version now stored. ConflictError if they
    were changed after ``expected_version`` was read."""
    actor.require(Right.COMPANY_SETTINGS)
    policy = policy.checked()
    return save_settings(
        session,
        TwoFactorPolicyRow,
        company_id,
        {
            "default_for_users": int(policy.default_for_users),
            "excluded_networks": list(policy.excluded_networks),
            "trust_caller_addresses": policy.trust_caller_addresses,
        },
        actor=actor,
        clock=clock,
        expected_version=expected_version,
        action=Action.TWO_FACTOR_POLICY_CHANGED,
        what="The two-factor settings",
        defaults={
            "default_for_users": int(CompanyDefault.OFF),
            "excluded_networks": [],
            "trust_caller_addresses": False,
        },
    )


class Need(enum.StrEnum):
    """What a sign-in with the right password still needs."""

    NONE = "none"
    TOKEN = "token"  # a code from the app, or one sent by mail or text
    SETUP_REQUIRED = "setup required"  # set up an authenticator before getting in
    SETUP_SUGGESTED = "setup suggested"  # offered; the user may skip


def password_is_one_of_two(user: User, policy: TwoFactorPolicy) -> bool:
    """Does every sign-in of this user ask a second factor they have set up? Only then is the
    password one factor of two, held to the shorter minimum (NIST SP 800-63B rev. 4, 3.1.1.2):
    a factor still to be set up is not one yet, and from an excluded network the password
    alone lets in."""
    return not policy.excluded_networks and need_of(user, policy, None) is Need.TOKEN


def need_of(user: User, policy: TwoFactorPolicy, ip: str | None) -> Need:
    """The second factor this user needs for a sign-in from ``ip``."""
    # An EPCS role that needs 2FA whatever the address comes with the Roles section.
    if policy.excludes(ip):
        return Need.NONE
    method = user.two_factor_method
    if method in (TwoFactorMethod.EMAIL, TwoFactorMethod.TEXT):
        return Need.TOKEN
    if method == TwoFactorMethod.APP:
        if user.totp_secret:
            return Need.TOKEN
        if (
            user.two_factor_setup == TwoFactorSetup.PROMPT
            and policy.default_for_users != CompanyDefault.REQUIRED
        ):
            return Need.SETUP_SUGGESTED
        return Need.SETUP_REQUIRED  # "require", or a desk setup that was never finished
    if policy.default_for_users == CompanyDefault.REQUIRED:
        return Need.SETUP_REQUIRED
    if policy.default_for_users == CompanyDefault.SUGGESTED:
        return Need.SETUP_SUGGESTED
    return Need.NONE
