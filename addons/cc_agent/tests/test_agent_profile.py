from odoo.exceptions import AccessError, ValidationError
from odoo.tools.safe_eval import safe_eval

from .common import CallCenterCase


class TestAgentProfile(CallCenterCase):
    def test_an_agent_needs_a_user(self):
        with self.assertRaisesNaming(ValidationError, "Related User"):
            self.env["hr.employee"].create({"name": "No Login", "is_cc_agent": True})
        with self.assertRaisesNaming(ValidationError, "Related User"):
            self.agent.user_id = False

    def test_an_employee_who_is_not_an_agent_needs_no_user(self):
        employee = self.env["hr.employee"].create({"name": "Back Office"})
        self.assertFalse(employee.is_cc_agent)
        self.assertFalse(employee.user_id)

    def test_manager_sets_an_agent_up(self):
        user = self.user_internal
        employee = (
            self.env["hr.employee"]
            .with_user(self.user_manager)
            .create({"name": "New Agent", "user_id": user.id, "is_cc_agent": True})
        )
        self.assertTrue(employee.is_cc_agent)
        action = self.env.ref("cc_agent.hr_employee_action_cc_agent")
        agents = (
            self.env["hr.employee"]
            .with_user(self.user_manager)
            .search(safe_eval(action.domain))
        )
        self.assertIn(employee, agents)

    def test_agent_cannot_make_anyone_an_agent(self):
        with self.assertRaises(AccessError):
            self.env["hr.employee"].with_user(self.user_agent).create(
                {"name": "Sneaky", "user_id": self.user_agent.id, "is_cc_agent": True}
            )
        with self.assertRaises(AccessError):
            self.agent_2.with_user(self.user_agent).write({"is_cc_agent": False})
