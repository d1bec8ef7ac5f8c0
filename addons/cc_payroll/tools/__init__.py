from .iban import normalize_iban, saudi_iban_problem
