from odoo.tests import tagged

from .common import TicketHttpCase


@tagged("post_install", "-at_install")
class TestEscalationTour(TicketHttpCase):
    def test_agent_escalates_department_resolves(self):
        self.env["ir.config_parameter"].set_param("cc_agent.agent_2fa", "0")
        self.user_agent.password = "agent-password-1"
        self.user_department.password = "clerk-password-1"
        ticket = self._ticket(
            subject="Refund of 2,400 SAR after a meter fault",
            service_type_id=self.service_limit.id,
            amount=2400,
            stage="in_progress",
        )
        self.start_tour("/odoo", "cc_ticket_agent_escalates", login="cc_agent")
        self.assertEqual(ticket.stage, "escalated")
        self.assertEqual(ticket.escalation_ids.escalated_by_id, self.user_agent)
        self.assertEqual(ticket.escalation_ids.reason, "Refund above my 500 SAR limit")
        self.start_tour("/odoo", "cc_ticket_department_resolves", login="cc_department")
        self.assertEqual(ticket.stage, "resolved")
        self.assertEqual(ticket.escalation_ids.outcome, "resolved")
        self.assertEqual(ticket.escalation_ids.accepted_by_id, self.user_department)
        self.assertEqual(ticket.owner_id, self.agent)
