"""How hard a secret is to guess, for the keys production refuses to start without.

Length says little: forty copies of one character are forty characters. zxcvbn estimates the
guesses an attacker needs, seeing through repeats, sequences, keyboard rows and dictionary
words; a random key scores about 3.3 bits per character on its scale (it assumes ten guesses
per unmatched character), so a 64-character random key is far above the bar and forty
identical characters far below it."""

import math

# A key below this many bits (zxcvbn's estimate) is refused. A random 32-character hex key
# (128 real bits) scores at least ~90; four copies of "Tr0ub4dor&3" score 79.
MIN_BITS = 80
# zxcvbn's limit; a key's first 72 characters are a fair sample of a random key.
_ZXCVBN_MAX = 72
# Values published in this repository or in Django: never secret, whatever they score.
KNOWN_PREFIXES = ("django-insecure-", "yiwang-insecure-")
KNOWN_WORDS = ("change-me", "changeme", "change_me", "replace-me", "your-secret")


def estimated_bits(value: str) -> float:
    import zxcvbn

    return zxcvbn.zxcvbn(value[:_ZXCVBN_MAX])["guesses_log10"] * math.log2(10)


def weakness(value: str) -> str | None:
    """Why `value` is not a usable secret, or None when it is."""
    if not value.strip():
        return "it is empty"
    lowered = value.lower()
    if lowered.startswith(KNOWN_PREFIXES) or any(word in lowered for word in KNOWN_WORDS):
        return "it is a published example or default value"
    bits = estimated_bits(value)
    if bits < MIN_BITS:
        return f"it is too easy to guess (about {bits:.0f} bits, at least {MIN_BITS} needed)"
    return None
