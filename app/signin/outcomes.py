"""The sign-in's steps, what a refused sign-in tells the person, and the refusals themselves:
plain words, an enum and exceptions, with nothing of the database, so that the sign-in dialog
can be drawn before the database library is loaded. app.signin.check and app.signin.flow
decide when each applies."""

from __future__ import annotations

import enum

from app.errors import UserSetupError

# What a person is told for every refusal: which part was wrong, or that the account is
# locked or inactive, would help someone guessing.
REFUSED = "Invalid user ID, password or company"
NO_ACCESS = "You have no access to User Setup."
CHANGED_NO_ACCESS = "Your password has been changed. You have no access to User Setup."
SIGNED_OUT = "You are signed out of User Setup - My Account."
PASSWORD_EXPIRED = "Your password has expired, please update password"
TOKEN_REFUSED = "That token is not right. Enter the 6 digits the app shows now."
TOKEN_USED = "That token was used already. Wait for the app to show the next one."
CODE_REFUSED = "That code is not right, or it has expired."
# Login hours and expiries need the server's clock: this computer's may be set back to pass them.
TIME_UNCHECKED = (
    "The time cannot be checked against the database server now: try again in a moment."
)


class SignInRefused(UserSetupError):
    """The sign-in was refused; the message says no more than REFUSED, or (after the right
    password) that this is not a time the user may sign in.

    ``commit``: the refusal was audited in the step's transaction, which must commit for the
    event to stay; otherwise the step's transaction is rolled back.
    """

    def __init__(self, message: str = REFUSED, *, commit: bool = False) -> None:
        super().__init__(message)
        self.commit = commit


class TokenRefused(UserSetupError):
    """The token or code was not right; the message says what to do, for the person."""


class Step(enum.StrEnum):
    CREDENTIALS = "credentials"
    TOKEN = "token"  # the second factor: an authenticator token, or a code sent to the user
    SETUP = "set up authenticator"  # at next login: title, QR code, then a token
    CHANGE_PASSWORD = "change password"
    SIGNED_IN = "signed in"
    # Done with what the account needed (a forced change, a 2FA setup), but no right to use
    # User Setup itself: nothing opens (SignInFlow.no_access_message says so).
    NO_ACCESS = "no access"
    # The same, for a user holding a self-service right ("Change own password", "User Two
    # Factor Authentication"): only their own My Account screen opens, and closing it ends
    # the session.
    SELF_SERVICE = "self-service"
