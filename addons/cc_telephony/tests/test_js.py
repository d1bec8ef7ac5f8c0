from odoo.tests import tagged

from odoo.addons.cc_agent.tests.common import HootSuiteCase

from .common import TelephonyHttpCase, as_trunk_call, customer_leg, recorded_events


@tagged("post_install", "-at_install")
class TestCcTelephonyJs(HootSuiteCase):
    def test_hoot_suite(self):
        self.run_hoot_suite("cc_telephony")


@tagged("post_install", "-at_install")
class TestCcTelephonyTour(TelephonyHttpCase):
    def test_tour_pop_shows_customer(self):
        self.env["ir.config_parameter"].set_param("cc_agent.agent_2fa", "0")
        self.user_agent.password = "agent-password-1"
        self.caller.name = "Mohammed Al-Ghamdi"
        # The recorded mod_callcenter call, up to its offer to the agent, as
        # the listener applies it: the call is queued, then offered to Amal.
        events = as_trunk_call(recorded_events("callcenter_plain"))
        offer = next(
            i for i, e in enumerate(events) if e.get("CC-Action") == "agent-offering"
        )
        for event in events[: offer + 1]:
            self.env["cc.call"]._cc_apply_event(self.server, event)
        call = self.env["cc.call"].search([("unique_id", "=", customer_leg(events))])
        self.assertEqual(call.state, "offering")

        self.start_tour("/odoo", "cc_telephony_pop_shows_customer", login="cc_agent")

        ticket = self.env["cc.ticket"].search([("partner_id", "=", self.caller.id)])
        self.assertEqual(len(ticket), 1)
        self.assertEqual(call.ticket_ids, ticket)
        self.assertEqual(ticket.service_type_id, self.service_agent)
        self.assertEqual(ticket.owner_id, self.agent)
