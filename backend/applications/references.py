"""References such as BS-7K3M9Q (applications) and KL-7K3M9Q (drafts, "kladde"): random, short, and
easy to read aloud or type."""

from __future__ import annotations

import re
import secrets

# No 0/O, 1/I/L or U/V pairs that are easily confused on a phone or in handwriting.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"
PREFIX = "BS-"
DRAFT_PREFIX = "KL-"
LENGTH = 6
PATTERN = re.compile(rf"^{PREFIX}[{ALPHABET}]{{{LENGTH}}}$")


def new_reference(prefix: str = PREFIX) -> str:
    return prefix + "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
