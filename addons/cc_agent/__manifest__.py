{
    "name": "Call Center Agents",
    "summary": "Remote part-time call center agents on HR: contracts, quotas, "
    "presence, devices and the ledger of handled contacts",
    "version": "18.0.1.0.0",
    "category": "Call Center",
    "website": "https://github.com/cc-suite/odoo-call-center",
    "author": "CC Suite",
    "license": "LGPL-3",
    "application": True,
    "depends": ["hr", "hr_contract", "mail", "bus", "auth_totp_mail"],
    "external_dependencies": {"python": ["phonenumbers"]},
    "data": [
        "security/cc_agent_groups.xml",
        "views/hr_employee_views.xml",
        "views/cc_agent_menus.xml",
    ],
    "demo": ["demo/hr_employee_demo.xml"],
    "assets": {
        "web.assets_backend": ["cc_agent/static/src/**/*"],
        "web.assets_unit_tests": ["cc_agent/static/tests/**/*.test.js"],
        "web.assets_tests": ["cc_agent/static/tests/tours/**/*"],
    },
}
