"""Against a live FreeSWITCH, when FREESWITCH_ESL=host:port:password points at
one (skipped otherwise): the listener connects, a loopback call is placed and
hung up, and Odoo logs it with its caller; Odoo's agent commands are accepted
by mod_callcenter."""

import os
import time
import unittest
import uuid

from odoo.tests import tagged
from odoo.tools import mute_logger

from ..cli import cc_listener
from ..tools.esl import EslConnection
from .common import TelephonyCase

LIVE = os.environ.get("FREESWITCH_ESL", "")


def live_settings():
    host, _sep, rest = LIVE.partition(":")
    port, _sep, password = rest.partition(":")
    return host, int(port or 8021), password


@tagged("post_install", "-at_install", "cc_live")
class TestLiveFreeSwitch(TelephonyCase):
    @classmethod
    def setUpClass(cls):
        if not LIVE:
            raise unittest.SkipTest(
                "no live FreeSWITCH: set FREESWITCH_ESL=host:port:password to run "
                "the integration test against one"
            )
        super().setUpClass()
        host, port, password = live_settings()
        # The loopback call enters the "default" context, as the vanilla
        # dialplan has it: that is the customers' context here.
        cls.server.write(
            {
                "host": host,
                "esl_port": port,
                "esl_password": password,
                "inbound_contexts": "default",
            }
        )

    def _esl(self):
        host, port, password = live_settings()
        connection = EslConnection(host, port, password, timeout=10)
        connection.connect()
        self.addCleanup(connection.close)
        return connection

    def test_a_loopback_call_is_seen_in_odoo(self):
        self.env.flush_all()
        self.registry.enter_test_mode(self.cr)
        self.addCleanup(self.registry.leave_test_mode)
        worker = cc_listener.NodeWorker(self.registry, self.server.id)
        worker.retry_initial = 60
        esl = self._esl()
        a_leg = str(uuid.uuid4())
        with mute_logger("odoo.addons.cc_telephony.cli.cc_listener"):
            worker.start()
            try:
                deadline = time.monotonic() + 10
                while worker.state != "connected" and time.monotonic() < deadline:
                    time.sleep(0.05)
                self.assertEqual(worker.state, "connected")
                esl.bgapi(
                    f"originate {{origination_uuid={a_leg},"
                    "origination_caller_id_number=0501234567}"
                    "loopback/9664/default &park()"
                )
                time.sleep(2)
                esl.api(f"uuid_kill {a_leg} NORMAL_CLEARING")
                applied = worker.applied
                deadline = time.monotonic() + 10
                # CREATE, ANSWER and HANGUP_COMPLETE of both legs at least.
                while worker.applied < applied + 2 and time.monotonic() < deadline:
                    time.sleep(0.05)
                time.sleep(1)
            finally:
                worker.stop()
                worker.join(10)
        self.env.invalidate_all()
        calls = self.Call.search([("server_id", "=", self.server.id)])
        self.assertEqual(len(calls), 1, "the loopback's inbound leg, once")
        call = calls
        self.assertEqual(call.direction, "inbound")
        self.assertEqual(call.number_e164, "+966501234567")
        self.assertEqual(call.partner_id, self.caller)
        self.assertEqual(call.state, "ended")
        self.assertTrue(call.date_created and call.date_ended)
        self.assertTrue(
            self.server.freeswitch_version.startswith("FreeSWITCH Version 1.10")
        )

    def test_agent_commands_are_accepted(self):
        self.server._cc_set_agent_status(self.agent, "available")
        esl = self._esl()
        listing = esl.api("callcenter_config agent list 1000@default")
        self.assertIn("1000@default", listing)
        self.assertIn("|Available|", listing)
        self.server._cc_set_agent_status(self.agent, "break")
        self.assertIn(
            "|On Break|", esl.api("callcenter_config agent list 1000@default")
        )
        self.server._cc_set_agent_status(self.agent, "offline")
        self.assertIn(
            "|Logged Out|", esl.api("callcenter_config agent list 1000@default")
        )
