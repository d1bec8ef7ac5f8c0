"""Who sees and changes calls, queues and nodes."""

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import TelephonyCase


@tagged("post_install", "-at_install")
class TestCallAccess(TelephonyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()

        def call(unique_id, agent):
            return cls.Call.create(
                {
                    "unique_id": unique_id,
                    "server_id": cls.server.id,
                    "direction": "inbound",
                    "number": "0501234567",
                    "number_e164": "+966501234567",
                    "partner_id": cls.caller.id,
                    "agent_id": agent.id,
                }
            )

        cls.call_amal = call("a-1", cls.agent)
        cls.call_badr = call("b-1", cls.agent_2)

    def test_an_agent_sees_only_her_calls(self):
        Call = self.Call.with_user(self.user_agent)
        self.assertEqual(Call.search([]), self.call_amal)
        with self.assertRaises(AccessError):
            self.call_badr.with_user(self.user_agent).read(["number"])
        with self.assertRaises(AccessError):
            self.call_badr.with_user(self.user_agent).action_new_ticket()
        # Nor through her live calls or the recording of another's call.
        self.assertEqual(Call.get_my_live_calls(), [])

    def test_supervisor_sees_the_team_manager_all(self):
        # Dana supervises Amal, not Badr.
        mine = [("server_id", "=", self.server.id)]  # not the demo calls
        self.assertEqual(
            self.Call.with_user(self.user_supervisor).search(mine), self.call_amal
        )
        self.assertEqual(
            self.Call.with_user(self.user_manager).search(mine),
            self.call_amal | self.call_badr,
        )
        self.assertFalse(self.Call.with_user(self.user_internal).has_access("read"))

    def test_what_freeswitch_reported_is_not_for_people_to_change(self):
        call = self.call_amal.with_user(self.user_agent)
        with self.assertRaisesNaming(
            AccessError, "Only the phone system changes a call's"
        ):
            call.write({"state": "ended"})
        with self.assertRaisesNaming(AccessError, "agent_id"):
            self.call_amal.with_user(self.user_manager).write(
                {"agent_id": self.agent_2.id}
            )
        # The customer and the request are hers to set.
        other = self.env["res.partner"].create({"name": "Another customer"})
        call.write({"partner_id": other.id})
        self.assertEqual(self.call_amal.partner_id, other)
        with self.assertRaises(AccessError):
            call.unlink()
        with self.assertRaises(AccessError):
            self.Call.with_user(self.user_agent).create(
                {"unique_id": "x", "server_id": self.server.id, "direction": "inbound"}
            )

    def test_new_ticket_from_the_pop(self):
        action = self.call_amal.with_user(self.user_agent).action_new_ticket()
        ticket = self.env["cc.ticket"].browse(action["res_id"])
        self.assertEqual(ticket.partner_id, self.caller)
        self.assertEqual(ticket.owner_id, self.agent)
        self.assertEqual(ticket.channel, "phone")
        self.assertIn(self.call_amal, ticket.call_ids)
        self.assertEqual(ticket.call_count, 1)

    def test_attach_to_an_open_request(self):
        ticket = self._ticket(partner_id=self.caller.id)
        self.call_amal.with_user(self.user_agent).action_attach_ticket(ticket.id)
        self.assertIn(self.call_amal, ticket.call_ids)

    def test_new_customer_prefilled_with_the_number(self):
        action = self.call_amal.with_user(self.user_agent).action_new_customer()
        self.assertEqual(action["res_model"], "res.partner")
        self.assertEqual(action["context"]["default_phone"], "+966501234567")

    def test_queues(self):
        self.assertTrue(self.queue.with_user(self.user_agent).read(["name"]))
        with self.assertRaises(AccessError):
            self.queue.with_user(self.user_supervisor).write({"label": "X"})
        self.queue.with_user(self.user_manager).write({"label": "Support line"})
        self.assertEqual(self.queue.display_name, "Support line")

    def test_password_never_reaches_the_browser_of_a_manager(self):
        views = (
            self.env["cc.pbx.server"]
            .with_user(self.user_manager)
            .get_views([(False, "form"), (False, "list")])
        )
        for view in views["views"].values():
            self.assertNotIn("esl_password", view["arch"])
        self.assertNotIn("esl_password", views["models"]["cc.pbx.server"]["fields"])
        # An administrator sets it from the same form.
        admin = self.env["cc.pbx.server"].get_views([(False, "form")])
        self.assertIn("esl_password", admin["views"]["form"]["arch"])
        self.assertIn('password="True"', admin["views"]["form"]["arch"])
