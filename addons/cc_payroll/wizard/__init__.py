from . import cc_payroll_export
