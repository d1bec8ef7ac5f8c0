{
    "name": "Call Center Payroll",
    "summary": "Monthly agent pay from handled contacts and contract terms, on OCA "
    "payroll: payslips, GOSI, xlsx register and the Saudi WPS file",
    "version": "18.0.1.0.0",
    "category": "Call Center",
    "website": "https://github.com/cc-suite/odoo-call-center",
    "author": "CC Suite",
    "license": "LGPL-3",
    "depends": ["cc_agent", "payroll"],
    "external_dependencies": {"python": ["xlsxwriter"]},
    "data": ["data/hr_payroll_structure_data.xml"],
}
