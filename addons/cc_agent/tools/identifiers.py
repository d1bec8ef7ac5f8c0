"""Saudi identifiers, checked as the authorities define them."""

# Arabic-Indic (U+0660..) and Eastern Arabic-Indic (U+06F0..) digits, as typed
# on Arabic and Persian/Urdu keyboards, to ASCII.
_DIGITS = str.maketrans(
    "\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669"
    "\u06f0\u06f1\u06f2\u06f3\u06f4\u06f5\u06f6\u06f7\u06f8\u06f9",
    "01234567890123456789",
)


def normalize_digits(value):
    """ASCII digits for any Arabic-Indic ones; spaces removed."""
    if not value:
        return value
    return "".join(value.translate(_DIGITS).split())


def _luhn_valid(digits):
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char)
        if position % 2:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def saudi_id_problem(value):
    """What is wrong with a Saudi national ID or Iqama number, or None.

    Ten digits; the first is 1 (citizen) or 2 (resident); the Luhn check over
    all ten holds. ``value`` must already be normalized (normalize_digits).
    """
    if not value.isdigit() or not value.isascii():
        return "digits"
    if len(value) != 10:
        return "length"
    if value[0] not in "12":
        return "prefix"
    if not _luhn_valid(value):
        return "checksum"
    return None
