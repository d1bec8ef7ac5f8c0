{
    "name": "Call Center Tickets",
    "summary": "Customer requests followed until resolved, with a service "
    "catalogue saying what an agent may resolve and what goes to which department",
    "version": "18.0.1.0.0",
    "category": "Call Center",
    "website": "https://github.com/cc-suite/odoo-call-center",
    "author": "CC Suite",
    "license": "LGPL-3",
    "depends": ["cc_agent", "crm"],
    "external_dependencies": {"python": ["pyotp"]},
    "data": [
        "security/cc_ticket_groups.xml",
        "security/ir.model.access.csv",
        "security/cc_service_type_security.xml",
        "views/cc_service_type_views.xml",
        "views/cc_ticket_menus.xml",
    ],
    "demo": ["demo/cc_service_type_demo.xml"],
}
