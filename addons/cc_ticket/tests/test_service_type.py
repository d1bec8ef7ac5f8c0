from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, ValidationError
from odoo.tools import mute_logger

from .common import TicketCase


class TestServiceType(TicketCase):
    def test_agent_policy_needs_no_department(self):
        service = self.ServiceType.create({"name": "Opening hours", "code": "HOURS"})
        self.assertEqual(service.resolution_policy, "agent")
        self.assertEqual(service.company_id, self.env.company)

    def test_escalation_needs_a_department(self):
        with self.assertRaisesNaming(ValidationError, "Competent Department"):
            self.ServiceType.create(
                {
                    "name": "Contract change",
                    "code": "CONTRACT",
                    "resolution_policy": "escalate",
                }
            )
        service = self.ServiceType.create(
            {
                "name": "Contract change",
                "code": "CONTRACT",
                "resolution_policy": "escalate",
                "department_id": self.department.id,
            }
        )
        with self.assertRaisesNaming(ValidationError, "Competent Department"):
            service.department_id = False

    def test_limit_needs_a_positive_amount(self):
        values = {
            "name": "Refund",
            "code": "REFUND_T",
            "resolution_policy": "limit",
            "department_id": self.department.id,
        }
        with self.assertRaisesNaming(ValidationError, "Agent Limit"):
            self.ServiceType.create(values)
        with self.assertRaisesNaming(ValidationError, "Agent Limit"):
            self.ServiceType.create(dict(values, limit_amount=-10))
        service = self.ServiceType.create(dict(values, limit_amount=300))
        self.assertEqual(service.limit_amount, 300)

    def test_code_unique_per_company(self):
        self.ServiceType.create({"name": "Billing question", "code": "T_BILL"})
        other_company = self.env["res.company"].create({"name": "Other Co"})
        self.ServiceType.create(
            {
                "name": "Billing question",
                "code": "T_BILL",
                "company_id": other_company.id,
            }
        )
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"):
            self.ServiceType.create({"name": "Billing again", "code": "T_BILL"})

    def test_who_may_change_the_catalogue(self):
        service = self.ServiceType.create({"name": "Store locations", "code": "STORES"})
        for user in (self.user_agent, self.user_supervisor, self.user_department):
            self.assertEqual(service.with_user(user).name, "Store locations")
            with self.assertRaises(AccessError):
                service.with_user(user).write({"resolution_policy": "escalate"})
            with self.assertRaises(AccessError):
                self.ServiceType.with_user(user).create(
                    {"name": "Mine", "code": "MINE"}
                )
        service.with_user(self.user_manager).write({"name": "Our stores"})
        self.assertEqual(service.name, "Our stores")
        with self.assertRaises(AccessError):
            service.with_user(self.user_internal).read(["name"])

    def test_other_companies_catalogue_is_hidden(self):
        other_company = self.env["res.company"].create({"name": "Other Co"})
        foreign = self.ServiceType.create(
            {"name": "Foreign", "code": "FOREIGN", "company_id": other_company.id}
        )
        visible = self.ServiceType.with_user(self.user_agent).search([])
        self.assertNotIn(foreign, visible)

    def test_department_staff_role(self):
        self.assertFalse(self.user_department.has_group("cc_agent.group_cc_agent"))
        self.assertTrue(self.user_manager.has_group("cc_ticket.group_cc_department"))
        self.assertFalse(
            self.user_supervisor.has_group("cc_ticket.group_cc_department")
        )
