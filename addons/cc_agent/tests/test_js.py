from odoo.tests import tagged

from .common import HootSuiteCase


@tagged("post_install", "-at_install")
class TestCcAgentJs(HootSuiteCase):
    def test_hoot_suite(self):
        self.run_hoot_suite("cc_agent")

    def test_tour_manager_opens_agents(self):
        self.start_tour("/odoo", "cc_agent_manager_opens_agents", login="admin")
