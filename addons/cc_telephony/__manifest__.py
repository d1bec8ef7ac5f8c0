{
    "name": "Call Center Telephony",
    "summary": "FreeSWITCH for the call center: Event Socket listener, screen-pop, "
    "click-to-dial, call log, queues and agent states",
    "version": "18.0.1.0.0",
    "category": "Call Center",
    "website": "https://github.com/cc-suite/odoo-call-center",
    "author": "CC Suite",
    "license": "LGPL-3",
    "depends": ["cc_ticket", "phone_validation", "sms"],
    "external_dependencies": {"python": ["phonenumbers"]},
    "data": [
        "security/ir.model.access.csv",
        "security/cc_pbx_server_security.xml",
        "data/cc_telephony_data.xml",
        "views/cc_pbx_server_views.xml",
        "views/cc_queue_views.xml",
        "views/cc_call_views.xml",
        "views/cc_telephony_menus.xml",
    ],
    "demo": ["demo/cc_pbx_server_demo.xml"],
    "assets": {
        "web.assets_backend": ["cc_telephony/static/src/**/*"],
        "web.assets_unit_tests": ["cc_telephony/static/tests/**/*.test.js"],
        "web.assets_tests": ["cc_telephony/static/tests/tours/**/*"],
    },
}
