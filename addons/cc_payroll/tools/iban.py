"""Saudi IBANs, checked as ISO 13616 defines them."""

from odoo.addons.cc_agent.tools import normalize_digits

SAUDI_IBAN_LENGTH = 24


def normalize_iban(value):
    """Uppercase, ASCII digits for Arabic-Indic ones, spaces removed."""
    if not value:
        return value
    return normalize_digits(value).upper()


def _mod97(iban):
    """ISO 13616: the first four characters moved to the end, letters as
    numbers (A=10 ... Z=35), the whole read as an integer, modulo 97."""
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(char, 36)) for char in rearranged)) % 97


def saudi_iban_problem(value):
    """What is wrong with a Saudi IBAN, or None.

    "SA", 2 check digits, a 2-digit bank code and 18 letters or digits: 24
    characters whose ISO 13616 remainder is 1. ``value`` must already be
    normalized (normalize_iban).
    """
    if not value.isascii() or not value.isalnum():
        return "characters"
    if not value.startswith("SA"):
        return "country"
    if len(value) != SAUDI_IBAN_LENGTH:
        return "length"
    if not value[2:6].isdigit():
        return "format"
    if _mod97(value) != 1:
        return "checksum"
    return None
