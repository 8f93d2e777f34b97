"""How guessable a secret is: a conservative entropy estimate for production checks.

Length alone says little (``"a" * 64`` is long); this estimate charges each
character by the character classes the secret uses and makes runs and
repeats cheap, so ``aaaa...``, ``abcabc...`` and ``password1234567890...``
score far below what their length suggests while random tokens
(``secrets.token_urlsafe``, ``token_hex``) keep about their true entropy.
"""

from __future__ import annotations

import math

# Estimated bits a production secret needs. token_hex(16) (128 random bits) scores over 100;
# the estimate is conservative, so the bar sits below the 128 bits one should generate.
MIN_SECRET_BITS = 96
# Only this many leading characters are examined: the repeat search is quadratic.
MAX_EXAMINED = 256

_CHARACTER_CLASSES = (
    frozenset("abcdefghijklmnopqrstuvwxyz"),
    frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
    frozenset("0123456789"),
)
_OTHER_CHARACTERS = 33  # printable ASCII punctuation and space


def estimate_secret_bits(secret: str) -> float:
    """A conservative estimate of a secret's entropy in bits.

    Each character costs log2 of the pool its character classes span, except
    that a character continuing a run (``aaa``, ``abc``, ``321``) costs one
    bit and a repeat of an earlier stretch of 3 or more characters
    (``abcabc``) costs only where it points back to. The result never exceeds
    length x log2(distinct characters). Random tokens (``secrets.token_urlsafe``)
    score about 6 bits per character; ``aaaa...``, ``abcabc...`` and
    ``password1234567890...`` score far less than their length suggests.
    """
    secret = secret[:MAX_EXAMINED]
    if not secret:
        return 0.0
    pool = sum(len(cls) for cls in _CHARACTER_CLASSES if cls & set(secret))
    if any(not any(ch in cls for cls in _CHARACTER_CLASSES) for ch in secret):
        pool += _OTHER_CHARACTERS
    per_character = math.log2(pool)
    bits, i = 0.0, 0
    while i < len(secret):
        repeat = _longest_earlier_repeat(secret, i)
        if repeat >= 3:
            bits += math.log2(i + 1) + math.log2(repeat)
            i += repeat
        elif i >= 2 and _continues_run(secret, i):
            bits += 1
            i += 1
        else:
            bits += per_character
            i += 1
    return min(bits, len(secret) * math.log2(len(set(secret))))


def _continues_run(secret: str, i: int) -> bool:
    step = ord(secret[i]) - ord(secret[i - 1])
    return abs(step) <= 1 and step == ord(secret[i - 1]) - ord(secret[i - 2])


def _longest_earlier_repeat(secret: str, i: int) -> int:
    """Length of the longest stretch starting at ``i`` that also starts before ``i``."""
    best = 0
    for start in range(i):
        length = 0
        while i + length < len(secret) and secret[start + length] == secret[i + length]:
            length += 1
        best = max(best, length)
    return best
