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
    "external_dependencies": {"python": ["phonenumbers", "qrcode"]},
    "data": [
        "security/ir.model.access.csv",
        "security/cc_pbx_server_security.xml",
        "security/cc_sip_account_security.xml",
        "data/cc_telephony_data.xml",
        "views/cc_pbx_server_views.xml",
        "views/cc_queue_views.xml",
        "views/cc_call_views.xml",
        "views/cc_sip_account_views.xml",
        "views/cc_sip_provisioning_views.xml",
        "views/cc_call_route_override_views.xml",
        "views/cc_agent_device_views.xml",
        "views/hr_employee_views.xml",
        "views/res_users_views.xml",
        "views/cc_telephony_menus.xml",
    ],
    "demo": ["demo/cc_pbx_server_demo.xml"],
    "assets": {
        "web.assets_backend": ["cc_telephony/static/src/**/*"],
        # The softphone's SIP library, loaded only when an agent goes online.
        "cc_telephony.assets_jssip": ["cc_telephony/static/lib/jssip/jssip.js"],
        "web.assets_unit_tests": [
            "cc_telephony/static/tests/**/*.test.js",
            "cc_telephony/static/tests/helpers/**/*",
        ],
        "web.assets_tests": [
            "cc_telephony/static/tests/helpers/**/*",
            "cc_telephony/static/tests/tours/**/*",
        ],
    },
}
