from odoo.tests import tagged

from .common import (
    PASSWORD,
    SipFixture,
    TelephonyHttpCase,
    as_trunk_call,
    customer_leg,
    recorded_events,
)
from .fake_freeswitch import FakeFreeSwitch


@tagged("post_install", "-at_install")
class TestSoftphoneTour(SipFixture, TelephonyHttpCase):
    """The softphone in the browser, its SIP side simulated at the library's
    boundary (static/tests/helpers/fake_sip.js); everything else real: the
    presence item, the configuration and "ring me here" routes, the pop."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_sip()
        cls.env["ir.config_parameter"].set_param("cc_agent.agent_2fa", "0")
        cls.user_agent.password = "agent-password-1"
        cls.caller.name = "Mohammed Al-Ghamdi"

    def test_tour_answer_from_pop(self):
        # The recorded mod_callcenter call, up to its offer to Amal.
        events = as_trunk_call(recorded_events("callcenter_plain"))
        offer = next(
            i for i, e in enumerate(events) if e.get("CC-Action") == "agent-offering"
        )
        for event in events[: offer + 1]:
            self.env["cc.call"]._cc_apply_event(self.server, event)
        call = self.env["cc.call"].search([("unique_id", "=", customer_leg(events))])
        self.assertEqual(call.state, "offering")

        with FakeFreeSwitch(PASSWORD, {"": "+OK\n"}) as freeswitch:
            self.server.esl_port = freeswitch.port
            self.start_tour(
                "/odoo", "cc_telephony_softphone_answer_from_pop", login="cc_agent"
            )

        current = self.env["cc.presence.log"]._cc_current(self.agent)[self.agent.id]
        self.assertEqual(current.state, "available")
        # The softphone got an account for this device and asked that Amal's
        # queue calls ring there: mod_callcenter's contact is that account.
        account = self.Account.search(
            [("device_id", "=", self.device.id), ("kind", "=", "softphone")]
        )
        self.assertEqual(len(account), 1)
        self.assertEqual(self.agent.cc_route_device_id, self.device)
        contacts = [
            command
            for command in freeswitch.api_commands()
            if command.startswith("callcenter_config agent set contact")
        ]
        self.assertTrue(contacts)
        self.assertIn(account.username, contacts[-1])
