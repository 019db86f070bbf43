"""统一社会信用代码 (GB 32100-2015): 18 characters, the last a mod-31 check character."""

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
VALUES = {char: value for value, char in enumerate(ALPHABET)}


def check_character(first17: str) -> str:
    total = sum(VALUES[char] * weight for char, weight in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def uscc_problem(code: str) -> str | None:
    """Why `code` is not a valid USCC, or None when it is."""
    if len(code) != 18:
        return "must be 18 characters"
    bad = sorted({char for char in code if char not in VALUES})
    if bad:
        return f"contains characters not allowed by GB 32100-2015: {''.join(bad)}"
    if code[17] != check_character(code[:17]):
        return "check character does not match (GB 32100-2015)"
    return None


def with_check_character(first17: str) -> str:
    return first17 + check_character(first17)
