"""Password hashing with Argon2id and the NIST SP 800-63B password policy.

Hashing uses argon2-cffi's RFC 9106 low-memory profile; hashes made with
other parameters are upgraded at the next login (:func:`needs_rehash`).
:func:`use_parameters` changes the profile for one process: socialflow's
pytest plugin picks argon2's cheapest one, because a test suite that signs up
thousands of users would otherwise spend a fifth of its time hashing.

The policy is NIST's: a length floor and nothing else about composition,
long passphrases welcome, but no password found in a list of commonly used
ones (shipped with the package, from zxcvbn's leaked-password frequency list)
and none equal to the username or email.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from argon2 import Parameters, PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024
COMMON_PASSWORDS_FILE = "common_passwords.txt"

DEFAULT_PARAMETERS = profiles.RFC_9106_LOW_MEMORY
_TIMING_EQUALIZER = "socialflow-timing-equalizer-7f3a9c"

_hasher = PasswordHasher.from_parameters(DEFAULT_PARAMETERS)
# A real hash of a random password: verifying against it when the user does
# not exist makes unknown-user and wrong-password logins take the same time.
_DUMMY_HASH = _hasher.hash(_TIMING_EQUALIZER)


def use_parameters(parameters: Parameters) -> None:
    """Hash with ``parameters`` from now on in this process (tests: ``profiles.CHEAPEST``).

    Existing hashes still verify (each carries its parameters) and are rehashed
    at their next login; the timing equalizer is rehashed at once, so unknown
    users keep costing what wrong passwords cost.
    """
    global _hasher, _DUMMY_HASH
    _hasher = PasswordHasher.from_parameters(parameters)
    _DUMMY_HASH = _hasher.hash(_TIMING_EQUALIZER)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check ``password``; burns the same time when there is no hash to check."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the stored hash used older parameters; rehash on the next login."""
    return _hasher.check_needs_rehash(password_hash)


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list, lower-cased; loaded once per process on first use."""
    text = resources.files("socialflow.accounts").joinpath(COMMON_PASSWORDS_FILE).read_text()
    return frozenset(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def policy_problems(password: str, *, username: str, email: str) -> list[str]:
    """Why ``password`` is not acceptable (empty when it is)."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        problems.append(f"at most {MAX_PASSWORD_LENGTH} characters")
    lowered = password.lower()
    if lowered in {username.lower(), email.lower(), email.split("@")[0].lower()}:
        problems.append("must differ from your username and email")
    elif lowered in common_passwords():
        problems.append("is too common (it appears in lists of leaked passwords)")
    return problems
