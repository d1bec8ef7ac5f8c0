from odoo.tests import new_test_user

from odoo.addons.cc_agent.tests.common import CallCenterCase


class TicketCase(CallCenterCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.department = cls.env["hr.department"].create({"name": "Billing"})
        cls.user_department = new_test_user(
            cls.env,
            login="cc_department",
            name="Billing Clerk",
            groups="cc_ticket.group_cc_department",
        )
        cls.ServiceType = cls.env["cc.service.type"]
