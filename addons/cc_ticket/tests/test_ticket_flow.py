from odoo.exceptions import AccessError, UserError

from .common import TicketCase


class TestTicketFlow(TicketCase):
    def test_every_request_gets_a_number(self):
        phone = self._ticket()
        email = self._ticket(channel="email")
        self.assertRegex(phone.name, r"^TCK/\d{4}/\d{5}$")
        self.assertRegex(email.name, r"^TCK/\d{4}/\d{5}$")
        self.assertNotEqual(phone.name, email.name)
        self.assertEqual(phone.display_name, f"[{phone.name}] Help")

    def test_agent_takes_and_resolves(self):
        ticket = self._ticket(owner_id=False, channel="email")
        self.assertEqual(ticket.sla_response_status, "running")
        ticket.with_user(self.user_agent).action_take()
        self.assertEqual(ticket.owner_id, self.agent)
        self.assertEqual(ticket.stage, "in_progress")
        self.assertEqual(ticket.sla_response_status, "met")
        ticket.with_user(self.user_agent).action_resolve()
        self.assertEqual(ticket.stage, "resolved")
        self.assertEqual(ticket.sla_resolution_status, "met")
        self.assertTrue(ticket.date_resolved)

    def test_checklist_must_be_ticked(self):
        self.service_agent.checklist_ids = [
            (0, 0, {"name": "Account number"}),
            (0, 0, {"name": "Nice to have", "required": False}),
        ]
        ticket = self._ticket()
        self.assertEqual(
            ticket.checklist_ids.mapped("name"), ["Account number", "Nice to have"]
        )
        with self.assertRaisesNaming(UserError, "Account number"):
            ticket.action_resolve()
        ticket.checklist_ids[0].done = True
        ticket.action_resolve()
        self.assertEqual(ticket.stage, "resolved")

    def test_policy_forbids_the_agent_to_close(self):
        ticket = self._ticket(service_type_id=self.service_escalate.id)
        for action in (ticket.action_resolve, ticket.action_close):
            with self.assertRaisesNaming(UserError, "Use Escalate"):
                action()
        self.assertEqual(ticket.stage, "new")

    def test_limit_policy(self):
        small = self._ticket(service_type_id=self.service_limit.id, amount=500)
        small.action_resolve()
        self.assertEqual(small.stage, "resolved")
        large = self._ticket(service_type_id=self.service_limit.id, amount=500.01)
        with self.assertRaisesNaming(UserError, "above 500"):
            large.action_resolve()

    def test_escalation_trail_and_department_resolution(self):
        ticket = self._ticket(service_type_id=self.service_escalate.id)
        wizard = (
            self.env["cc.ticket.escalate"]
            .with_user(self.user_agent)
            .create(
                {
                    "ticket_id": ticket.id,
                    "department_id": self.department.id,
                    "reason": "The customer wants to change the contract holder",
                }
            )
        )
        wizard.action_confirm()
        self.assertEqual(ticket.stage, "escalated")
        self.assertEqual(ticket.department_id, self.department)
        self.assertEqual(ticket.owner_id, self.agent, "the owner stays responsible")
        self.assertEqual(ticket.sla_resolution_status, "met", "escalated in time")
        self.assertEqual(ticket.sla_department_status, "running")
        step = ticket.escalation_ids
        self.assertEqual(len(step), 1)
        self.assertEqual(step.escalated_by_id, self.user_agent)
        self.assertEqual(
            step.reason, "The customer wants to change the contract holder"
        )

        as_clerk = ticket.with_user(self.user_department)
        as_clerk.action_department_accept()
        self.assertEqual(step.accepted_by_id, self.user_department)
        self.assertEqual(ticket.department_user_id, self.user_department)
        as_clerk.action_department_resolve()
        self.assertEqual(ticket.stage, "resolved")
        self.assertEqual(step.outcome, "resolved")
        self.assertEqual(step.done_by_id, self.user_department)
        self.assertEqual(ticket.sla_department_status, "met")
        # Once the department decided, the agent may close it.
        ticket.with_user(self.user_agent).action_close()
        self.assertEqual(ticket.stage, "closed")

    def test_department_sends_back(self):
        ticket = self._ticket(service_type_id=self.service_escalate.id)
        ticket._escalate(self.department, "Please decide")
        with self.assertRaisesNaming(UserError, "Say why"):
            ticket.with_user(self.user_department)._department_send_back("  ")
        self.env["cc.ticket.send.back"].with_user(self.user_department).create(
            {"ticket_id": ticket.id, "note": "Ask for the ID copy first"}
        ).action_confirm()
        self.assertEqual(ticket.stage, "in_progress")
        self.assertEqual(ticket.escalation_ids.outcome, "sent_back")
        self.assertEqual(ticket.escalation_ids.note, "Ask for the ID copy first")
        self.assertEqual(ticket.sla_resolution_status, "running", "back with the agent")
        self.assertIn(
            "Ask for the ID copy first",
            ticket.activity_ids.filtered(
                lambda a: a.user_id == self.user_agent
            ).summary,
        )
        # Escalated again, then resolved: the trail keeps both steps.
        ticket._escalate(self.department, "ID copy received")
        ticket.with_user(self.user_department).action_department_resolve()
        self.assertEqual(
            ticket.escalation_ids.sorted("id").mapped("outcome"),
            ["sent_back", "resolved"],
        )

    def test_who_may_act_for_the_department(self):
        ticket = self._ticket(service_type_id=self.service_escalate.id)
        ticket._escalate(self.department, "Please decide")
        with self.assertRaises(AccessError):
            ticket.with_user(self.user_other_department).action_department_accept()
        with self.assertRaises(AccessError):
            ticket.with_user(self.user_agent).action_department_resolve()
        with self.assertRaisesNaming(UserError, "Say why"):
            ticket._escalate(self.department, "")
        self.assertEqual(ticket.escalation_ids.outcome, False)

    def test_resolution_counts_once_in_the_ledger(self):
        ticket = self._ticket()
        Interaction = self.env["cc.interaction"]
        ticket.action_resolve()
        ticket.action_reopen()
        ticket.action_resolve()
        recorded = Interaction.search([("source_key", "=", f"cc.ticket:{ticket.id}")])
        self.assertEqual(len(recorded), 1)
        self.assertEqual(recorded.agent_id, self.agent)
        self.assertEqual(recorded.channel, "ticket")
        self.assertEqual(recorded.partner_id, self.customer)

    def test_department_resolution_counts_for_the_owner(self):
        ticket = self._ticket(service_type_id=self.service_escalate.id)
        ticket._escalate(self.department, "Please decide")
        ticket.with_user(self.user_department).action_department_resolve()
        recorded = self.env["cc.interaction"].search(
            [("source_key", "=", f"cc.ticket:{ticket.id}")]
        )
        self.assertEqual(recorded.agent_id, self.agent)

    def test_sales_request_becomes_an_opportunity(self):
        sales = self.ServiceType.create(
            {"name": "New line", "code": "T_SALES", "category": "sales"}
        )
        ticket = self._ticket(service_type_id=sales.id, amount=1200)
        action = ticket.action_create_lead()
        self.assertEqual(action["res_model"], "crm.lead")
        self.assertEqual(ticket.lead_id.partner_id, self.customer)
        self.assertEqual(ticket.lead_id.expected_revenue, 1200)
        ticket.action_create_lead()
        self.assertEqual(self.env["crm.lead"].search_count([("name", "=", "Help")]), 1)

    def test_requests_grouped_by_stage_show_every_stage(self):
        """The kanban (an agent's My Requests on a phone) is grouped by
        stage: every stage is a column, even an empty one."""
        groups = (
            self.env["cc.ticket"]
            .with_user(self.user_agent)
            .web_read_group([], ["stage"], ["stage"])
        )
        self.assertEqual(
            [group["stage"] for group in groups["groups"]],
            ["new", "in_progress", "waiting", "escalated", "resolved", "closed"],
        )
