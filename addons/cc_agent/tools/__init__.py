from .identifiers import normalize_digits, saudi_id_problem
