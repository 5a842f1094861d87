"""The practice key: what keeps the authenticator keys and recovery codes unreadable in the
database, its backups and its copies.

The key is 32 random bytes kept outside the database: in each workstation's keyring, or, where
there is none (a headless server, CI), in the file the environment variable USERSETUP_KEY_FILE
names. The database holds only the key's id and a check value (an HMAC of a fixed text), so a
workstation with a wrong key finds out before it reads or writes anything with it.

Authenticator keys are sealed with AES-GCM, bound to their user's row; recovery codes are kept
as HMAC(key, SHA-256(code)), so a dump cannot be checked offline against guesses. A practice
key moves to another workstation as a file sealed under a passphrase (scrypt, then AES-GCM).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import os
import secrets
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import audit
from app.audit import Action, Noted
from app.db.models import Company, PracticeKeyRow, TwoFactorRecoveryCode, User
from app.errors import UserSetupError, ValidationError

if TYPE_CHECKING:
    from app.outbound.mail import SecretStore

PRACTICE_KEYS = "usersetup_practice_keys"  # the key in a session's info (app.db.database)
KEY_FILE_VARIABLE = "USERSETUP_KEY_FILE"
KEYRING_SERVICE = "UserSetup practice key"
SEALED_PREFIX = "k1:"  # a sealed value; anything else in a key column is from before the key
KEY_BYTES = 32
NONCE_BYTES = 12
CHECK_TEXT = b"UserSetup practice key check"
EXPORT_FORMAT = "usersetup-practice-key-1"
PASSPHRASE_MINIMUM = 12
# scrypt's cost: about 0.1 s and 32 MiB on an office computer, for each passphrase tried
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1


class PracticeKeyError(UserSetupError):
    """The practice key is missing here, wrong, or cannot be read: the message says what to do."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


@dataclass(frozen=True, repr=False)
class PracticeKey:
    """The practice's key, checked against the database's check value."""

    key_id: str
    secret: bytes

    def __repr__(self) -> str:  # never the key itself, in a log or a traceback
        return f"PracticeKey({self.key_id!r})"

    def check_value(self) -> str:
        return hmac.new(self.secret, CHECK_TEXT, hashlib.sha256).hexdigest()

    def seal(self, plain: str, bound_to: str) -> str:
        """``plain`` encrypted and authenticated, bound to ``bound_to`` (its row): a sealed
        value copied into another row does not open."""
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = AESGCM(self.secret).encrypt(nonce, plain.encode(), bound_to.encode())
        return SEALED_PREFIX + _b64(nonce + sealed)

    def open(self, stored: str, bound_to: str) -> str:
        """The plain text of a sealed value; PracticeKeyError if it was altered or moved."""
        try:
            data = _unb64(stored.removeprefix(SEALED_PREFIX))
            plain = AESGCM(self.secret).decrypt(
                data[:NONCE_BYTES], data[NONCE_BYTES:], bound_to.encode()
            )
        except (ValueError, InvalidTag) as exc:
            raise PracticeKeyError(
                "A stored authenticator key does not open with the practice key: it was "
                "altered or copied from another user. Reset that user's authenticator."
            ) from exc
        return plain.decode()

    def code_hash(self, sha256_hex: str) -> str:
        """A recovery code as stored: HMAC of its SHA-256, so a dump cannot be guessed against."""
        return hmac.new(self.secret, sha256_hex.encode(), hashlib.sha256).hexdigest()


def is_sealed(stored: str) -> bool:
    return stored.startswith(SEALED_PREFIX)


def totp_binding(user_pk: int) -> str:
    """What an authenticator key is bound to: its user's row."""
    return f"totp:{user_pk}"


class KeyFile:
    """A key store in one file readable by its owner only, for a computer with no keyring.

    The file holds a JSON object of accounts and keys; it is replaced whole, never half written.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def _read(self) -> dict[str, str]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except OSError as exc:
            why = f"The key file {self.path} cannot be read: {exc.strerror}."
            raise PracticeKeyError(why) from exc
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
            raise PracticeKeyError(f"The key file {self.path} is not a UserSetup key file.")
        return data

    def get_password(self, service_name: str, username: str) -> str | None:
        return self._read().get(f"{service_name}/{username}")

    def set_password(self, service_name: str, username: str, password: str) -> None:
        data = self._read()
        data[f"{service_name}/{username}"] = password
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle, name = tempfile.mkstemp(dir=self.path.parent, prefix=".usersetup-key-")
            try:  # mkstemp's file is the owner's only (0600) from its first byte
                with os.fdopen(handle, "w", encoding="utf-8") as out:
                    json.dump(data, out)
                os.replace(name, self.path)
            except BaseException:
                Path(name).unlink(missing_ok=True)
                raise
        except OSError as exc:
            why = f"The key file {self.path} cannot be written: {exc.strerror}."
            raise PracticeKeyError(why) from exc


def key_store(environ: Mapping[str, str]) -> SecretStore:
    """Where this computer keeps the practice key: the file USERSETUP_KEY_FILE names when it is
    set, else the operating system's keyring."""
    path = environ.get(KEY_FILE_VARIABLE)
    if path:
        return KeyFile(Path(path))
    import keyring

    return keyring


def _account(key_id: str) -> str:
    return f"practice-{key_id}"


class PracticeKeys:
    """The practice key of one database, as this computer has it: read from the store the first
    time it is needed and checked against the database, then kept for the process's life (a
    database's key, once made, is never replaced: no statement for it after the first)."""

    def __init__(self, store: SecretStore | None = None) -> None:
        self._store = store  # None: this computer's, found the first time it is asked for
        self._key: PracticeKey | None = None

    @property
    def store(self) -> SecretStore:
        if self._store is None:
            self._store = key_store(os.environ)
        return self._store

    def _stored(self, key_id: str) -> str | None:
        from keyring.errors import KeyringError

        try:
            return self.store.get_password(KEYRING_SERVICE, _account(key_id))
        except KeyringError as exc:
            raise PracticeKeyError(
                f"This computer's keyring could not give the practice key ({exc})."
            ) from exc

    def key(self, session: Session) -> PracticeKey | None:
        """The practice key, or None when the practice has none yet; PracticeKeyError when this
        computer lacks it or holds a wrong one."""
        if self._key is not None:  # checked against the database once: its row never changes
            return self._key
        row = session.scalars(select(PracticeKeyRow)).first()
        if row is None:
            return None
        text = self._stored(row.key_id)
        if text is None:
            raise PracticeKeyError(
                "This computer does not have the practice key, which authenticator sign-in "
                "needs. On a computer that has it, an administrator runs "
                "`usersetup key export FILE`; then here: `usersetup key import FILE`."
            )
        try:
            key = PracticeKey(row.key_id, _unb64(text))
        except ValueError:
            key = PracticeKey(row.key_id, b"")
        if len(key.secret) != KEY_BYTES or not hmac.compare_digest(
            key.check_value(), row.check_value
        ):
            raise PracticeKeyError(
                "The practice key on this computer is not this practice's: nothing was read or "
                "written with it. Import the right one with `usersetup key import FILE`."
            )
        self._key = key
        return key

    def required(self, session: Session) -> PracticeKey:
        """The practice key, which the caller cannot do without."""
        key = self.key(session)
        if key is None:
            raise PracticeKeyError(
                "This practice has no practice key yet, which authenticator sign-in needs. "
                "An administrator runs `usersetup key init` on their computer."
            )
        return key

    def create(self, session: Session, now: datetime, operator: str) -> PracticeKey:
        """Make the practice's key, keep it here, and seal every readable secret with it.

        The key is kept in the store before the transaction commits: a store that cannot keep
        it refuses the whole change."""
        if session.scalars(select(PracticeKeyRow)).first() is not None:
            raise PracticeKeyError(
                "This practice has a practice key already. To use it on this computer, import "
                "it with `usersetup key import FILE`."
            )
        key = PracticeKey(secrets.token_hex(8), secrets.token_bytes(KEY_BYTES))
        self._keep(key)  # first: a key the database names is never one nobody kept
        try:
            with session.begin_nested():  # a savepoint: the caller's work stays if this fails
                row = PracticeKeyRow(
                    id=1, key_id=key.key_id, check_value=key.check_value(), created_at=now
                )
                session.add(row)
        except IntegrityError:
            raise PracticeKeyError(
                "Another computer made the practice key a moment ago. Import it here with "
                "`usersetup key import FILE` (exported there with `usersetup key export FILE`)."
            ) from None
        seal_readable_secrets(session, key)
        self._key = key
        audit_key(session, now, operator, Action.PRACTICE_KEY_CREATED, key)
        return key

    def ensure(self, session: Session, now: datetime, operator: str) -> PracticeKey:
        """The practice key, made here first if the practice has none."""
        return self.key(session) or self.create(session, now, operator)

    def made_with_practice(self, session: Session, now: datetime, operator: str) -> None:
        """A new practice's key, made with it (the first start, the demo). A computer whose
        keyring cannot keep one still gets its practice: the key is made when first needed,
        and that says what is wrong."""
        with contextlib.suppress(PracticeKeyError):
            self.ensure(session, now, operator)

    def _keep(self, key: PracticeKey) -> None:
        from keyring.errors import KeyringError

        try:
            self.store.set_password(KEYRING_SERVICE, _account(key.key_id), _b64(key.secret))
        except KeyringError as exc:
            raise PracticeKeyError(
                f"This computer's keyring could not keep the practice key ({exc}); nothing "
                f"was changed. Set {KEY_FILE_VARIABLE} to a file to keep it in instead."
            ) from exc

    def export(self, session: Session, passphrase: str, now: datetime, operator: str) -> bytes:
        """The practice key as a file's contents, sealed under ``passphrase`` (audited)."""
        key = self.required(session)
        _check_passphrase(passphrase)
        salt, nonce = secrets.token_bytes(16), secrets.token_bytes(NONCE_BYTES)
        sealed = AESGCM(_stretch(passphrase, salt)).encrypt(nonce, key.secret, key.key_id.encode())
        document = {
            "format": EXPORT_FORMAT,
            "key_id": key.key_id,
            "kdf": {"name": "scrypt", "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P,
                    "salt": _b64(salt)},
            "nonce": _b64(nonce),
            "sealed": _b64(sealed),
        }  # fmt: skip
        audit_key(session, now, operator, Action.PRACTICE_KEY_EXPORTED, key)
        return (json.dumps(document, indent=2) + "\n").encode()

    def import_(
        self, session: Session, contents: bytes, passphrase: str, now: datetime, operator: str
    ) -> PracticeKey:
        """Keep here the key a file exported, once it proves to be this practice's (audited)."""
        row = session.scalars(select(PracticeKeyRow)).first()
        if row is None:
            raise PracticeKeyError(
                "This practice has no practice key yet: run `usersetup key init` instead."
            )
        try:
            document = json.loads(contents.decode("utf-8"))
            kdf = document["kdf"]
            well_formed = document["format"] == EXPORT_FORMAT and kdf["name"] == "scrypt"
            key_id = str(document["key_id"])
            salt, nonce = _unb64(kdf["salt"]), _unb64(document["nonce"])
            sealed = _unb64(document["sealed"])
            cost = (int(kdf["n"]), int(kdf["r"]), int(kdf["p"]))
        except (ValueError, KeyError, TypeError, AttributeError):
            well_formed = False
        if not well_formed or len(nonce) != NONCE_BYTES or len(salt) < 16:
            raise PracticeKeyError("That file is not a UserSetup practice key file.")
        if key_id != row.key_id:
            raise PracticeKeyError("That key file is another practice's: nothing was changed.")
        if cost != (SCRYPT_N, SCRYPT_R, SCRYPT_P):  # a file cannot make this computer work hard
            raise PracticeKeyError("That key file was made by another version of UserSetup.")
        try:
            secret = AESGCM(_stretch(passphrase, salt)).decrypt(nonce, sealed, key_id.encode())
        except (InvalidTag, ValueError):
            why = "That passphrase does not open the key file."
            raise ValidationError({"passphrase": why}) from None
        key = PracticeKey(key_id, secret)
        if not hmac.compare_digest(key.check_value(), row.check_value):
            raise PracticeKeyError("That key file is another practice's: nothing was changed.")
        self._keep(key)
        self._key = key
        audit_key(session, now, operator, Action.PRACTICE_KEY_IMPORTED, key)
        return key


def audit_key(
    session: Session, now: datetime, operator: str, action: Action, key: PracticeKey
) -> None:
    """The database has one practice key: what befalls it is told in every company's trail."""
    for company_id in session.scalars(select(Company.id)):
        audit.record(
            session, at=now, operator=operator, company_id=company_id, user_pk=None,
            action=action, changes=[Noted("practice_key", f"key {key.key_id}")],
        )  # fmt: skip


def _check_passphrase(passphrase: str) -> None:
    if len(passphrase) < PASSPHRASE_MINIMUM:
        raise ValidationError(
            {"passphrase": f"Use a passphrase of at least {PASSPHRASE_MINIMUM} characters."}
        )


def _stretch(passphrase: str, salt: bytes) -> bytes:
    return hashlib.scrypt(
        passphrase.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P,
        maxmem=64 * 1024 * 1024, dklen=KEY_BYTES,
    )  # fmt: skip


def practice_keys(session: Session) -> PracticeKeys:
    """The practice key of the database this session works on, as this computer has it."""
    keys = session.info.get(PRACTICE_KEYS)
    if not isinstance(keys, PracticeKeys):
        raise TypeError("a session made without app.db.database.Database has no practice key")
    return keys


def seal_readable_secrets(session: Session, key: PracticeKey) -> None:
    """Seal every authenticator key still stored readable, and key every recovery code still
    stored as a plain SHA-256: what a practice had before it had a key."""
    session.flush()
    rows = session.execute(
        select(User.id, User.totp_secret, User.totp_pending_secret).where(
            User.totp_secret.is_not(None) | User.totp_pending_secret.is_not(None)
        )
    )
    for pk, secret, pending in rows.all():
        values = {
            column: key.seal(value, totp_binding(pk))
            for column, value in (("totp_secret", secret), ("totp_pending_secret", pending))
            if value is not None and not is_sealed(value)
        }
        if values:
            session.execute(
                update(User)
                .where(User.id == pk)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
    codes = session.execute(
        select(TwoFactorRecoveryCode.id, TwoFactorRecoveryCode.code_hash).where(
            TwoFactorRecoveryCode.keyed.is_(False)
        )
    )
    for pk, digest in codes.all():
        session.execute(
            update(TwoFactorRecoveryCode)
            .where(TwoFactorRecoveryCode.id == pk)
            .values(code_hash=key.code_hash(digest), keyed=True)
            .execution_options(synchronize_session=False)
        )
    session.expire_all()
