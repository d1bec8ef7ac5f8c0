from odoo.tests import new_test_user

from odoo.addons.cc_agent.tests.common import (
    CallCenterCase,
    CallCenterFixture,
    CallCenterHttpCase,
)


class TicketFixture(CallCenterFixture):
    """A Billing department with one of its staff, and three service types:
    one the agent resolves, one that must go to Billing, one the agent
    resolves up to 500."""

    @classmethod
    def _setup_tickets(cls):
        cls.department = cls.env["hr.department"].create({"name": "Billing"})
        cls.other_department = cls.env["hr.department"].create({"name": "Logistics"})
        cls.user_department = new_test_user(
            cls.env,
            login="cc_department",
            name="Billing Clerk",
            groups="cc_ticket.group_cc_department",
        )
        cls.department_employee = cls.env["hr.employee"].create(
            {
                "name": "Billing Clerk",
                "user_id": cls.user_department.id,
                "department_id": cls.department.id,
            }
        )
        cls.user_other_department = new_test_user(
            cls.env,
            login="cc_logistics",
            name="Logistics Clerk",
            groups="cc_ticket.group_cc_department",
        )
        cls.env["hr.employee"].create(
            {
                "name": "Logistics Clerk",
                "user_id": cls.user_other_department.id,
                "department_id": cls.other_department.id,
            }
        )
        cls.ServiceType = cls.env["cc.service.type"]
        cls.Ticket = cls.env["cc.ticket"]
        cls.service_agent = cls.ServiceType.create(
            {
                "name": "Opening hours",
                "code": "T_HOURS",
                "sla_response_hours": 1,
                "sla_resolution_hours": 4,
                # Amal handles this service: she sees all its requests.
                "agent_ids": [(6, 0, cls.agent.ids)],
            }
        )
        cls.service_escalate = cls.ServiceType.create(
            {
                "name": "Contract change",
                "code": "T_CONTRACT",
                "resolution_policy": "escalate",
                "department_id": cls.department.id,
                "sla_response_hours": 1,
                "sla_resolution_hours": 2,
                "sla_department_hours": 8,
            }
        )
        cls.service_limit = cls.ServiceType.create(
            {
                "name": "Refund",
                "code": "T_REFUND",
                "resolution_policy": "limit",
                "limit_amount": 500,
                "department_id": cls.department.id,
                "sla_resolution_hours": 8,
                "sla_department_hours": 16,
            }
        )
        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Customer Karim",
                "email": "karim@example.com",
                "mobile": "+966551234567",
            }
        )

    def _ticket(self, **values):
        return self.Ticket.create(
            {
                "subject": "Help",
                "partner_id": self.customer.id,
                "service_type_id": self.service_agent.id,
                "owner_id": self.agent.id,
                **values,
            }
        )


class TicketCase(TicketFixture, CallCenterCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_tickets()


class TicketHttpCase(TicketFixture, CallCenterHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_tickets()
