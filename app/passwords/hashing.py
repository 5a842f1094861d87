"""Password hashing: argon2id only, with OWASP's parameters."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.low_level import Type

from app.validation import normalize_password

# OWASP Password Storage Cheat Sheet: argon2id, 19 MiB, 2 iterations, 1 lane.
OWASP_TIME_COST = 2
OWASP_MEMORY_KIB = 19 * 1024
OWASP_PARALLELISM = 1


def owasp_hasher() -> PasswordHasher:
    return PasswordHasher(
        time_cost=OWASP_TIME_COST,
        memory_cost=OWASP_MEMORY_KIB,
        parallelism=OWASP_PARALLELISM,
        type=Type.ID,
    )


def hash_password(hasher: PasswordHasher, password: str) -> str:
    return hasher.hash(normalize_password(password))
