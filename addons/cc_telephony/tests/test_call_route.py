"""Where an agent's calls reach them: the contact Odoo gives mod_callcenter
(and the transfer entry of mod_db) for each choice, and per shift."""

from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from .common import SIP_DOMAIN, SipFixture, TelephonyCase

MOBILE = "+966501112233"


@tagged("post_install", "-at_install")
class TestCallRoute(SipFixture, TelephonyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_sip()
        cls.agent.mobile_phone = MOBILE

    def setUp(self):
        super().setUp()
        self.registry.enter_test_mode(self.cr)
        self.addCleanup(self.registry.leave_test_mode)
        # Only what the test itself leaves for after the commit.
        self.env.cr.postcommit.clear()
        self.Override = self.env["cc.call.route.override"]

    def going_available(self):
        """The commands sent to FreeSWITCH when Amal goes Available."""
        return self.esl_commands(
            lambda: self.server._cc_set_agent_status(self.agent, "available")
        )

    def contact_sent(self):
        commands = self.going_available()
        prefix = "callcenter_config agent set contact 1000@default "
        contacts = [c[len(prefix) :] for c in commands if c.startswith(prefix)]
        self.assertEqual(len(contacts), 1)
        self.assertIn(f"db insert/cc_agent/1000/{contacts[0]}", commands)
        return contacts[0]

    def sofia_contact(self, account):
        return (
            "{dialed_user=1000,sip_invite_domain=sip.test.example}"
            f"${{sofia_contact(internal/{account.username}@{SIP_DOMAIN})}}"
        )

    def test_going_available_sends_the_route_with_the_status(self):
        commands = self.going_available()
        self.assertEqual(
            commands,
            [
                "callcenter_config agent add 1000@default callback",
                # No softphone registered yet: the desk phone of the
                # extension, as before.
                "callcenter_config agent set contact 1000@default user/1000",
                "db insert/cc_agent/1000/user/1000",
                "callcenter_config tier add support@default 1000@default 1 1",
                "callcenter_config agent set status 1000@default 'Available'",
            ],
        )

    def test_softphone_of_the_device_she_works_from(self):
        account = self.softphone_account()
        self.agent.cc_route_device_id = self.device
        self.assertEqual(self.contact_sent(), self.sofia_contact(account))
        self.assertEqual(
            self.server._cc_sip_user(self.agent), f"{account.username}@{SIP_DOMAIN}"
        )
        # Revoked, the device's softphone no longer rings.
        self.device.with_user(self.user_manager).action_revoke()
        self.assertEqual(self.contact_sent(), "user/1000")

    def test_mobile_number_through_the_gateway(self):
        self.agent.cc_call_route = "mobile"
        self.assertEqual(
            self.contact_sent(),
            "{dialed_user=1000,ignore_early_media=true}sofia/gateway/stc-trunk/"
            + MOBILE,
        )
        # The node's dial format, and a prompt so that no voicemail takes
        # the customer.
        self.server.write(
            {
                "dial_format": "sofia/gateway/{gateway}/{national}",
                "mobile_confirm_prompt": "/sounds/cc_suite/press_1.wav",
            }
        )
        self.assertEqual(
            self.contact_sent(),
            "{dialed_user=1000,ignore_early_media=true,group_confirm_key=1,"
            "group_confirm_file=/sounds/cc_suite/press_1.wav}"
            "sofia/gateway/stc-trunk/0501112233",
        )
        # Without a mobile number, the extension as before.
        self.agent.mobile_phone = False
        self.assertEqual(self.contact_sent(), "user/1000")

    def test_sip_app(self):
        self.agent.cc_call_route = "sip_app"
        self.assertEqual(self.contact_sent(), "user/1000")
        app = self.Account._cc_create_for(
            self.agent, self.server, "sip_app", self.device
        )
        self.assertEqual(self.contact_sent(), self.sofia_contact(app))

    def test_override_for_a_shift(self):
        account = self.softphone_account()
        self.agent.cc_route_device_id = self.device
        now = fields.Datetime.now()
        override = self.Override.create(
            {
                "agent_id": self.agent.id,
                "name": "Evening without data",
                "route": "mobile",
                "date_from": now - timedelta(hours=1),
                "date_to": now + timedelta(hours=3),
            }
        )
        self.assertTrue(
            self.contact_sent().endswith("sofia/gateway/stc-trunk/" + MOBILE)
        )
        override.date_to = now - timedelta(minutes=1)
        self.assertEqual(self.contact_sent(), self.sofia_contact(account))
        self.assertEqual(
            self.agent._cc_call_route_at(now - timedelta(minutes=30)), "mobile"
        )
        with self.assertRaisesNaming(ValidationError, "'To'"):
            override.date_to = override.date_from

    def test_offline_ends_transfers_to_her(self):
        commands = self.esl_commands(
            lambda: self.server._cc_set_agent_status(self.agent, "offline")
        )
        self.assertEqual(
            commands,
            [
                "callcenter_config agent set status 1000@default 'Logged Out'",
                "db delete/cc_agent/1000",
            ],
        )

    def test_a_change_while_available_is_sent_once_committed(self):
        self.env["cc.presence.log"]._cc_set_state(
            self.agent, "available", origin="telephony"
        )
        self.env.cr.postcommit.clear()
        self.agent.cc_call_route = "mobile"
        commands = self.esl_commands(self.run_after_commit)
        self.assertEqual(
            commands,
            [
                "callcenter_config agent set contact 1000@default "
                "{dialed_user=1000,ignore_early_media=true}sofia/gateway/stc-trunk/"
                + MOBILE,
                "db insert/cc_agent/1000/{dialed_user=1000,ignore_early_media=true}"
                "sofia/gateway/stc-trunk/" + MOBILE,
            ],
        )
        # Offline, nothing to send: going Available sends it.
        self.env["cc.presence.log"]._cc_set_state(
            self.agent, "offline", origin="telephony"
        )
        self.agent.cc_call_route = "softphone"
        self.assertEqual(self.esl_commands(self.run_after_commit), [])

    def test_the_cron_sends_routes_as_shifts_begin(self):
        self.env["cc.presence.log"]._cc_set_state(
            self.agent, "available", origin="telephony"
        )
        now = fields.Datetime.now()
        self.Override.create(
            {
                "agent_id": self.agent.id,
                "route": "mobile",
                "date_from": now - timedelta(minutes=2),
                "date_to": now + timedelta(hours=4),
            }
        )
        self.env.cr.postcommit.clear()
        commands = self.esl_commands(self.Override._cron_apply_overrides)
        self.assertIn(
            "callcenter_config agent set contact 1000@default "
            "{dialed_user=1000,ignore_early_media=true}sofia/gateway/stc-trunk/"
            + MOBILE,
            commands,
        )

    def test_the_agent_chooses_in_her_preferences(self):
        self.user_agent.with_user(self.user_agent).write({"cc_call_route": "mobile"})
        self.assertEqual(self.agent.cc_call_route, "mobile")
        self.assertEqual(
            self.user_agent.with_user(self.user_agent).read(["cc_call_route"])[0][
                "cc_call_route"
            ],
            "mobile",
        )
        with self.assertRaises(AccessError):
            self.user_agent_2.with_user(self.user_agent).write(
                {"cc_call_route": "sip_app"}
            )

    def test_overrides_are_hers_her_supervisors_and_managers(self):
        now = fields.Datetime.now()
        values = {
            "route": "mobile",
            "date_from": now + timedelta(days=1),
            "date_to": now + timedelta(days=1, hours=4),
        }
        mine = self.Override.with_user(self.user_agent).create(values)
        self.assertEqual(mine.agent_id, self.agent, "her own by default")
        badr = self.Override.create({**values, "agent_id": self.agent_2.id})
        with self.assertRaises(AccessError):
            self.Override.with_user(self.user_agent).create(
                {**values, "agent_id": self.agent_2.id}
            )
        with self.assertRaises(AccessError):
            badr.with_user(self.user_agent).read(["route"])
        self.assertEqual(self.Override.with_user(self.user_supervisor).search([]), mine)
        self.assertEqual(
            self.Override.with_user(self.user_manager).search([]), mine | badr
        )
        with self.assertRaises(AccessError):
            self.Override.with_user(self.user_internal).search([])
