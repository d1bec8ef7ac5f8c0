"""Click-to-dial: the commands Odoo sends FreeSWITCH, every reason it cannot
call said plainly, and the recorded call placed that way."""

import re
from datetime import timedelta
from unittest.mock import patch

from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import PASSWORD, TelephonyCase, recorded_events
from .fake_freeswitch import FakeFreeSwitch

GATEWAY_UP = """\
=================================================================================================
Name    \tstc-trunk
Profile \texternal
Scheme  \tDigest
Realm   \tsip.operator.example
Username\t966112345000
Password\tyes
From    \t<sip:966112345000@sip.operator.example>
Contact \t<sip:gw+stc-trunk@192.0.2.2:5080;transport=udp;gw=stc-trunk>
Exten   \t966112345000
To      \tsip:966112345000@sip.operator.example
Proxy   \tsip:sip.operator.example
Context \tpublic
Expires \t3600
Freq    \t3600
Ping    \t0
PingFreq\t0
PingState\t0/0/0
State   \tREGED
Status  \tUP
Uptime  \t8734s
CallsIN \t12
CallsOUT\t31
FailedCallsIN\t0
FailedCallsOUT\t2
=================================================================================================
"""
GATEWAY_DOWN = GATEWAY_UP.replace("REGED", "FAIL_WAIT").replace(
    "Status  \tUP", "Status  \tDOWN"
)
REGISTERED = "sofia/internal/sip:1000@10.8.0.14:52311;transport=tls;fs_nat=yes\n"


@tagged("post_install", "-at_install")
class TestClickToDial(TelephonyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server.sip_domain = "cc.example.com"

    def setUp(self):
        super().setUp()
        # The originate leaves after the commit, in its own transaction.
        self.registry.enter_test_mode(self.cr)
        self.addCleanup(self.registry.leave_test_mode)

    def _commit(self):
        """What happens once the request's transaction is committed."""
        self.env.flush_all()
        self.env.cr.postcommit.run()
        self.env.invalidate_all()

    def _freeswitch(self, **replies):
        defaults = {
            "sofia_contact 1000@cc.example.com": REGISTERED,
            "sofia status gateway stc-trunk": GATEWAY_UP,
            "bgapi originate": "+OK",
        }
        defaults.update(replies)
        fake = FakeFreeSwitch(PASSWORD, defaults)
        self.server.esl_port = fake.port
        return fake

    def _dial(self, number="050 123 4567", user=None, commit=True):
        result = self.Call.with_user(user or self.user_agent).action_dial(
            number, res_model="res.partner", res_id=self.caller.id
        )
        if commit:
            self._commit()
        return result

    def test_dial_rings_the_agent_then_the_customer_through_the_gateway(self):
        self.env.cr.precommit.run()
        self.env["bus.bus"].sudo().search([]).unlink()
        with self._freeswitch() as freeswitch:
            result = self._dial()
        self.assertEqual(freeswitch.errors, [])
        self.assertEqual(result["number"], "+966501234567")
        call = self.Call.browse(result["call_id"])
        self.assertEqual(call.direction, "outbound")
        self.assertEqual(call.state, "dialing")
        self.assertEqual(call.agent_id, self.agent)
        self.assertEqual(call.partner_id, self.caller)
        self.assertEqual(call.number_e164, "+966501234567")
        self.assertEqual((call.res_model, call.res_id), ("res.partner", self.caller.id))
        commands = freeswitch.commands
        self.assertEqual(commands[0], "auth ***")
        self.assertEqual(
            commands[1:5],
            [
                "api sofia_contact 1000@cc.example.com",
                "api sofia status gateway stc-trunk",
                "exit",
                "auth ***",
            ],
        )
        # The originate leaves once the call is committed.
        originate = commands[5]
        self.assertTrue(
            originate.endswith(
                "}user/1000 &bridge(sofia/gateway/stc-trunk/+966501234567)"
            ),
            originate,
        )
        variables = dict(re.findall(r"(\w+)='([^']*)'", originate))
        self.assertEqual(variables["origination_uuid"], call.unique_id)
        self.assertEqual(variables["origination_caller_id_number"], "+966501234567")
        self.assertEqual(variables["origination_caller_id_name"], "Nora Al-Qahtani")
        self.assertEqual(variables["cc_side"], "agent")
        self.assertEqual(variables["cc_call_id"], str(call.id))
        self.assertEqual(commands[-1], "exit")
        # The agent's tabs show the call being placed.
        pops = self.bus_messages(self.user_agent)
        self.assertEqual([p["state"] for p in pops], ["dialing"])
        self.assertEqual(pops[0]["partner"]["name"], "Nora Al-Qahtani")

    def test_national_dial_format(self):
        self.server.dial_format = "sofia/gateway/{gateway}/{national}"
        with self._freeswitch() as freeswitch:
            self._dial("+966 50 123 4567")
        self.assertTrue(
            freeswitch.commands[5].endswith(
                "&bridge(sofia/gateway/stc-trunk/0501234567)"
            )
        )

    def test_double_click_places_one_call(self):
        """The second click while the first call is being dialed is refused,
        naming it: one originate. Once it is over, the agent calls again; a
        call whose events never came stops counting after a few minutes."""
        with self._freeswitch() as freeswitch:
            first = self.Call.browse(self._dial()["call_id"])
            with self.assertRaisesNaming(UserError, "already calling +966501234567"):
                self._dial("0551234567")
        originates = [c for c in freeswitch.commands if c.startswith("bgapi")]
        self.assertEqual(len(originates), 1)
        self.assertEqual(self.Call.search_count([("agent_id", "=", self.agent.id)]), 1)
        # Its events never came: three minutes later it is taken as lost.
        first.sudo().date_created -= timedelta(minutes=4)
        with self._freeswitch():
            second = self.Call.browse(self._dial("0551234567")["call_id"])
        self.assertEqual(first.state, "failed")
        self.assertIn("never said", first.failure_reason)
        self.assertEqual(second.state, "dialing")

    def test_the_database_refuses_two_calls_dialing_at_once(self):
        """Two requests at the same moment do not see each other's call: the
        index does, and the second is refused with the same message."""
        with self._freeswitch():
            self._dial()
        with patch.object(
            type(self.Call), "_cc_check_not_dialing", autospec=True
        ) as check:
            check.side_effect = [None, UserError("already calling")]
            with self._freeswitch() as freeswitch:
                with self.assertRaisesNaming(UserError, "already calling"):
                    self._dial("0551234567")
        self.assertEqual(check.call_args_list[-1].kwargs, {"committed": False})
        self.assertFalse(any(c.startswith("bgapi") for c in freeswitch.commands))

    def _assert_refused(self, fragment, number="0501234567", user=None, **replies):
        with self._freeswitch(**replies) as freeswitch:
            with self.assertRaisesNaming(UserError, fragment) as caught:
                self._dial(number, user=user)
        self.assertFalse(any(c.startswith("bgapi") for c in freeswitch.commands))
        self.assertEqual(
            self.Call.search_count([("server_id", "=", self.server.id)]), 0
        )
        self.assertNotIn(PASSWORD, str(caught.exception))
        return freeswitch

    def test_phone_not_registered(self):
        self._assert_refused(
            "not registered",
            **{"sofia_contact 1000@cc.example.com": "error/user_not_registered\n"},
        )

    def test_softphone_agent_is_checked_on_the_softphone_account(self):
        """An agent on the browser softphone registers under the device's
        account, not the extension: click-to-dial checks that account, and
        refuses when the softphone is not registered."""
        self.server.write({"ws_url": "wss://cc.example.com:7443"})
        device = self.env["cc.agent.device"].create(
            {"name": "Amal's laptop", "agent_id": self.agent.id}
        )
        self.agent.write(
            {"cc_call_route": "softphone", "cc_route_device_id": device.id}
        )
        account = self.env["cc.sip.account"]._cc_create_for(
            self.agent, self.server, "softphone", device
        )
        softphone = f"sofia_contact {self.server.sip_profile}/{account.username}@"
        softphone += self.server._cc_domain()
        # The extension's desk phone registered does not make the softphone so.
        self._assert_refused(
            "not registered", **{softphone: "error/user_not_registered\n"}
        )
        with self._freeswitch(
            **{
                "sofia_contact 1000@cc.example.com": "error/user_not_registered\n",
                softphone: REGISTERED,
            }
        ) as freeswitch:
            self._dial()
        self.assertIn(f"api {softphone}", freeswitch.commands)
        self.assertTrue(
            any(c.startswith("bgapi originate") for c in freeswitch.commands)
        )

    def test_mobile_agent_needs_no_registration(self):
        self.agent.write({"cc_call_route": "mobile", "mobile_phone": "0551234567"})
        with self._freeswitch(
            **{"sofia_contact 1000@cc.example.com": "error/user_not_registered\n"}
        ) as freeswitch:
            self._dial()
        self.assertFalse(any("sofia_contact" in c for c in freeswitch.commands))
        self.assertTrue(
            any(c.startswith("bgapi originate") for c in freeswitch.commands)
        )

    def test_gateway_down(self):
        self._assert_refused(
            "(the gateway) is down", **{"sofia status gateway stc-trunk": GATEWAY_DOWN}
        )

    def test_gateway_unknown(self):
        self._assert_refused(
            "does not know the gateway stc-trunk",
            **{"sofia status gateway stc-trunk": "Invalid Gateway!\n"},
        )

    def test_invalid_number_is_refused_before_calling_freeswitch(self):
        freeswitch = self._assert_refused("12 is not a valid phone number", number="12")
        self.assertEqual(freeswitch.commands, [])

    def test_no_gateway_on_the_node(self):
        self.server.gateway = False
        self._assert_refused("has no outbound gateway")

    def test_agent_without_freeswitch_id(self):
        self.agent.cc_extension = False
        self._assert_refused("has no FreeSWITCH agent ID")

    def test_only_agents_dial(self):
        self._assert_refused("Only call center agents", user=self.user_internal)

    def test_no_enabled_node(self):
        self.server.enabled = False
        self._assert_refused("No phone system")

    def test_node_unreachable(self):
        with self._freeswitch():
            pass  # the port is closed again
        with self.assertRaisesNaming(UserError, "cannot be reached (127.0.0.1:"):
            self._dial()

    def test_wrong_password(self):
        fake = FakeFreeSwitch("another-password", {})
        self.server.esl_port = fake.port
        with (
            fake,
            self.assertRaisesNaming(
                UserError, "refused Odoo's Event Socket password"
            ) as caught,
        ):
            self._dial()
        self.assertNotIn(PASSWORD, str(caught.exception))

    def test_originate_failure_reported_by_freeswitch(self):
        with self._freeswitch() as freeswitch:
            result = self._dial()
        call = self.Call.browse(result["call_id"])
        job = re.search(r"Job-UUID", "Job-UUID") and call.job_uuid
        self.assertTrue(job)
        self.assertIn("originate", freeswitch.commands[5])
        # FreeSWITCH could not reach the agent's phone.
        self.Call._cc_apply_event(
            self.server,
            {
                "Event-Name": "BACKGROUND_JOB",
                "Job-UUID": job,
                "Event-Date-Timestamp": "1795941964898528",
                "_body": "-ERR NO_ANSWER\n",
            },
        )
        self.assertEqual(call.state, "failed")
        self.assertEqual(call.hangup_cause, "NO_ANSWER")
        self.assertEqual(
            call.failure_reason,
            "You did not answer your phone, so the customer was not called.",
        )

    def test_busy_customer(self):
        with self._freeswitch():
            call = self.Call.browse(self._dial()["call_id"])
        # The customer's leg fails busy; then the agent's leg hangs up.
        self.Call._cc_apply_event(
            self.server,
            {
                "Event-Name": "CHANNEL_HANGUP_COMPLETE",
                "Unique-ID": "b1e1c0de-0000-4000-8000-00000000000b",
                "Other-Leg-Unique-ID": call.unique_id,
                "Hangup-Cause": "USER_BUSY",
                "Event-Date-Timestamp": "1795941969938527",
            },
        )
        self.Call._cc_apply_event(
            self.server,
            {
                "Event-Name": "CHANNEL_HANGUP_COMPLETE",
                "Unique-ID": call.unique_id,
                "Hangup-Cause": "NORMAL_CLEARING",
                "Event-Date-Timestamp": "1795941969938527",
            },
        )
        self.assertEqual(call.state, "failed")
        self.assertEqual(call.failure_reason, "The customer's line is busy.")
        self.assertEqual(call.hangup_cause, "USER_BUSY")

    def test_recorded_click_to_dial_call(self):
        """The recorded session of a call placed this way (the agent's SIP
        phone answers, then the customer): the call Odoo logged follows it."""
        events = recorded_events("click_to_dial_sip_plain")
        agent_leg = events[0]["Unique-ID"]
        job = next(e["Job-UUID"] for e in events if e["Event-Name"] == "BACKGROUND_JOB")
        call = self.Call.create(
            {
                "unique_id": agent_leg,
                "server_id": self.server.id,
                "direction": "outbound",
                "state": "dialing",
                "number": "0501234567",
                "number_e164": "+966501234567",
                "partner_id": self.caller.id,
                "agent_id": self.agent.id,
                "job_uuid": job,
            }
        )
        for event in events:
            if event["Event-Name"] == "BACKGROUND_JOB":
                event = dict(event, _body=f"+OK {agent_leg}\n")
            self.Call._cc_apply_event(self.server, event)
        self.assertEqual(
            self.Call.search_count([("server_id", "=", self.server.id)]), 1
        )
        self.assertEqual(call.state, "ended")
        self.assertFalse(call.failure_reason)
        self.assertEqual(call.talk, 5)
        self.assertEqual(call.interaction_id.channel, "outbound_call")
        self.assertEqual(call.interaction_id.duration, 5)
        self.assertEqual(call.interaction_id.agent_id, self.agent)

    def _event(self, call, name, cause, other=False, timestamp="1795941969938527"):
        event = {
            "Event-Name": name,
            "Unique-ID": call.unique_id,
            "Hangup-Cause": cause,
            "Event-Date-Timestamp": timestamp,
        }
        if other:
            event.update(
                {
                    "Unique-ID": "b1e1c0de-0000-4000-8000-00000000000c",
                    "Other-Leg-Unique-ID": call.unique_id,
                }
            )
        return self.Call._cc_apply_event(self.server, event)

    def test_each_side_of_a_failure_is_named(self):
        cases = [
            # (the agent's phone answered?, failing leg, cause, what the agent reads)
            (False, "job", "USER_BUSY", "Your phone is busy or set to do not disturb"),
            (False, "job", "CALL_REJECTED", "Your phone rejected the call"),
            (True, "customer", "ORIGINATOR_CANCEL", "You hung up before the customer"),
            (True, "customer", "NO_ANSWER", "The customer did not answer."),
            (True, "customer", "UNALLOCATED_NUMBER", "does not exist or is not valid"),
            (True, "customer", "NORMAL_TEMPORARY_FAILURE", "(the gateway) is down"),
            (False, "agent", "NO_ANSWER", "You did not answer your phone"),
            (True, "agent", "RECOVERY_ON_TIMER_EXPIRE", "The call failed (RECOVERY"),
        ]
        for answered, leg, cause, text in cases:
            with self.subTest(cause=cause, leg=leg), self._freeswitch():
                call = self.Call.browse(self._dial()["call_id"])
                if answered:
                    self._event(call, "CHANNEL_ANSWER", "")
                    self.assertTrue(call.date_agent_answered)
                if leg == "job":
                    self.Call._cc_apply_event(
                        self.server,
                        {
                            "Event-Name": "BACKGROUND_JOB",
                            "Job-UUID": call.job_uuid,
                            "_body": f"-ERR {cause}\n",
                        },
                    )
                elif leg == "customer":
                    self._event(call, "CHANNEL_HANGUP_COMPLETE", cause, other=True)
                self._event(call, "CHANNEL_HANGUP_COMPLETE", cause)
                self.assertEqual(call.state, "failed")
                self.assertIn(text, call.failure_reason)

    def test_freeswitch_gone_when_the_call_leaves(self):
        with self._freeswitch():
            result = self._dial(commit=False)
        # FreeSWITCH stopped between the checks and the commit.
        with mute_logger("odoo.addons.cc_telephony.models.cc_call"):
            self._commit()
        call = self.Call.browse(result["call_id"])
        self.assertEqual(call.state, "failed")
        self.assertIn("cannot be reached", call.failure_reason)
        # The agent's tabs are told (the card shows why).
        self.assertIn(
            "failed", [m["state"] for m in self.bus_messages(self.user_agent)]
        )

    def test_the_agent_is_available_again_after_the_call(self):
        Presence = self.env["cc.presence.log"]
        Presence._cc_set_state(self.agent, "available")
        with self._freeswitch():
            call = self.Call.browse(self._dial()["call_id"])
        self._event(call, "CHANNEL_ANSWER", "")
        self.Call._cc_apply_event(
            self.server,
            {
                "Event-Name": "CHANNEL_BRIDGE",
                "Unique-ID": call.unique_id,
                "Event-Date-Timestamp": "1795941964898528",
            },
        )
        self.assertEqual(
            Presence._cc_current(self.agent)[self.agent.id].state, "on_call"
        )
        self._event(call, "CHANNEL_HANGUP_COMPLETE", "NORMAL_CLEARING")
        self.assertEqual(call.state, "ended")
        current = Presence._cc_current(self.agent)[self.agent.id]
        self.assertEqual((current.state, current.origin), ("available", "telephony"))
