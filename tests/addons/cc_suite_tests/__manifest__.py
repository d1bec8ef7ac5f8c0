{
    "name": "Call Center Suite Tests",
    "summary": "Tests across the four call center addons: the access matrix of "
    "every model and role (installed by ./test only, never in production)",
    "version": "18.0.1.0.0",
    "category": "Hidden/Tests",
    "website": "https://github.com/cc-suite/odoo-call-center",
    "author": "CC Suite",
    "license": "LGPL-3",
    "depends": ["cc_telephony", "cc_payroll"],
    "assets": {
        "web.assets_tests": ["cc_suite_tests/static/tests/tours/**/*"],
    },
    "installable": True,
}
