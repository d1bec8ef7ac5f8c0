"""Test helpers of cc_telephony: a FreeSWITCH node, the agent and queue of the
recorded traffic, a Saudi customer, and the recorded events themselves."""

import json
from pathlib import Path

from odoo.addons.cc_agent.tests.common import CallCenterCase, CallCenterHttpCase
from odoo.addons.cc_ticket.tests.common import TicketFixture

from . import esl_replay

FIXTURES = Path(__file__).parent / "fixtures" / "esl"
PASSWORD = "S3cret-ESL-for-tests"
# The recordings' caller (a loopback channel on a test box) and the Saudi
# mobile the tests give it, as an operator's trunk would present it.
RECORDED_NUMBER = "5551234"
CUSTOMER_MOBILE = "+966501234567"


def recording(name):
    """The chunks of ``fixtures/esl/<name>.raw.txt``."""
    return esl_replay.parse_recording(FIXTURES / f"{name}.raw.txt")


def recorded_events(name):
    """The events of ``fixtures/esl/<name>.events.json`` (decoded headers)."""
    return json.loads((FIXTURES / f"{name}.events.json").read_text())


def recording_events(name):
    """The events of ``fixtures/esl/<name>.raw.txt`` the listener receives
    (it does not subscribe to CHANNEL_UNBRIDGE), from the call's first
    channel on (not those of the agents' configuration before it), as
    mappings of their decoded headers."""
    from ..tools.esl import EslParser, parse_event

    parser = EslParser()
    events = [
        dict(event)
        for chunk in recording(name)
        if chunk.kind == "RECV"
        for event in map(parse_event, parser.feed(chunk.data))
        if event and event.get("Event-Name") != "CHANNEL_UNBRIDGE"
    ]
    first = next(i for i, e in enumerate(events) if e["Event-Name"] == "CHANNEL_CREATE")
    return events[first:]


def customer_leg(events):
    """The Unique-ID of the caller's channel in a mod_callcenter recording."""
    for event in events:
        if event.get("CC-Action") == "member-queue-start":
            return event["CC-Member-Session-UUID"]
    raise AssertionError("no member-queue-start in the recording")


def as_trunk_call(events, number="0501234567", leg=None):
    """The recorded events as if the caller had come from the operator's
    trunk: in the recordings the caller is a loopback channel of context
    "default" calling from 5551234; on a real node the customer's leg enters
    the public context with a real number. Nothing else changes."""
    leg = leg or customer_leg(events)
    adapted = []
    for event in events:
        event = {
            key: (number if value == RECORDED_NUMBER else value)
            for key, value in event.items()
        }
        if event.get("Unique-ID") == leg and "Caller-Context" in event:
            event["Caller-Context"] = "public"
        adapted.append(event)
    return adapted


class TelephonyFixture(TicketFixture):
    @classmethod
    def _setup_telephony(cls):
        cls._setup_tickets()
        cls.env.company.country_id = cls.env.ref("base.sa")
        cls.server = cls.env["cc.pbx.server"].create(
            {
                "name": "Riyadh",
                "host": "127.0.0.1",
                "esl_port": 18021,
                "esl_password": PASSWORD,
                "gateway": "stc-trunk",
            }
        )
        # The recordings' mod_callcenter agent is 1000@default.
        cls.agent.cc_extension = "1000"
        cls.agent_2.cc_extension = "1090"
        cls.queue = cls.env["cc.queue"].create(
            {
                "name": "support@default",
                "label": "Support",
                "server_id": cls.server.id,
                "service_type_id": cls.service_agent.id,
                "agent_ids": [(6, 0, (cls.agent | cls.agent_2).ids)],
            }
        )
        cls.caller = cls.env["res.partner"].create(
            {
                "name": "Nora Al-Qahtani",
                "mobile": CUSTOMER_MOBILE,
                "phone": "+966112345678",
            }
        )
        cls.Call = cls.env["cc.call"]

    def apply(self, events):
        calls = self.Call.browse()
        for event in events:
            calls |= self.Call._cc_apply_event(self.server, event)
        return calls

    def bus_messages(self, user, kind="cc_telephony/call"):
        """The notifications of type ``kind`` sent to ``user`` (written at
        commit: the pre-commit hooks are run first)."""
        self.env.cr.precommit.run()
        channel = json.dumps(
            [self.env.cr.dbname, "res.partner", user.partner_id.id],
            separators=(",", ":"),
        )
        notifications = self.env["bus.bus"].sudo().search([("channel", "=", channel)])
        return [
            json.loads(n.message)["payload"]
            for n in notifications
            if json.loads(n.message)["type"] == kind
        ]


class TelephonyCase(TelephonyFixture, CallCenterCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_telephony()


class TelephonyHttpCase(TelephonyFixture, CallCenterHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_telephony()


# Agents' phones: a node with a SIP domain, a softphone address and a
# directory secret, and a device registered by Amal.
SIP_DOMAIN = "sip.test.example"
DIRECTORY_SECRET = "Directory-secret-for-the-tests-0123456789"
DEVICE_TOKEN = "d" * 40


class SipFixture:
    @classmethod
    def _setup_sip(cls):
        cls.server.write(
            {
                "sip_domain": SIP_DOMAIN,
                "ws_url": f"wss://{SIP_DOMAIN}:7443",
                "ice_servers": f"stun:{SIP_DOMAIN}:3478\nturn:{SIP_DOMAIN}:3478",
                "turn_username": "agents",
                "turn_credential": "turn-password",
                "directory_secret": DIRECTORY_SECRET,
            }
        )
        Device = cls.env["cc.agent.device"]
        cls.device = Device.create(
            {
                "name": "Amal's phone",
                "agent_id": cls.agent.id,
                "token_hash": Device._cc_hash(DEVICE_TOKEN),
            }
        )
        cls.Account = cls.env["cc.sip.account"]

    def softphone_account(self, agent=None, device=None):
        return self.Account._cc_create_for(
            agent or self.agent, self.server, "softphone", device or self.device
        )

    def esl_commands(self, run, replies=None):
        """The Event Socket commands ``run()`` sends to the node, answered by
        a fake FreeSWITCH; what ``run`` returns is kept in ``self.result``."""
        from .fake_freeswitch import FakeFreeSwitch

        with FakeFreeSwitch(PASSWORD, replies or {"": "+OK\n"}) as freeswitch:
            self.server.esl_port = freeswitch.port
            self.result = run()
        self.assertEqual(freeswitch.errors, [])
        return freeswitch.api_commands()

    def run_after_commit(self):
        """Runs what waits for the commit (in the test's own transaction)."""
        self.env.flush_all()
        self.env.cr.postcommit.run()
