from odoo.tests import tagged

from .common import HootSuiteCase


@tagged("post_install", "-at_install")
class TestCcAgentJs(HootSuiteCase):
    def test_hoot_suite(self):
        self.run_hoot_suite("cc_agent")

    def test_tour_manager_opens_agents(self):
        self.start_tour("/odoo", "cc_agent_manager_opens_agents", login="admin")

    def test_tour_systray_switch_state(self):
        sara = self.env.ref("cc_agent.hr_employee_agent_sara_demo")
        presence_logs = self.env["cc.presence.log"]
        # The tour starts from Offline, whatever the demo data left Sara in.
        presence_logs._cc_set_state(sara, "offline", origin="system")
        before = presence_logs.search([("agent_id", "=", sara.id)])

        self.start_tour("/odoo", "cc_agent_systray_switch_state", login="sara")

        logs = presence_logs.search(
            [("agent_id", "=", sara.id), ("id", "not in", before.ids)],
            order="date_start, id",
        )
        self.assertEqual(logs.mapped("state"), ["available", "break", "offline"])
        self.assertEqual(logs.mapped("origin"), ["agent"] * 3)
        self.assertEqual(
            logs[1].break_reason_id, self.env.ref("cc_agent.cc_break_reason_prayer")
        )
        self.assertFalse(logs[:2].filtered(lambda log: not log.date_end))
        self.assertFalse(logs[2].date_end, "Offline is Sara's current state")
