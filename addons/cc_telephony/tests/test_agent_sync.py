"""Agent states between Odoo and mod_callcenter, both ways."""

from odoo.tests import tagged
from odoo.tools import mute_logger

from ..tools.esl import EslParser, parse_event
from .common import PASSWORD, TelephonyCase, recording
from .fake_freeswitch import FakeFreeSwitch


@tagged("post_install", "-at_install")
class TestAgentSync(TelephonyCase):
    def setUp(self):
        super().setUp()
        self.Presence = self.env["cc.presence.log"]

    def _state(self):
        return self.Presence._cc_current(self.agent)[self.agent.id]

    def _commands(self, state):
        with FakeFreeSwitch(PASSWORD, {"callcenter_config": "+OK\n"}) as freeswitch:
            self.server.esl_port = freeswitch.port
            self.server._cc_set_agent_status(self.agent, state)
        self.assertEqual(freeswitch.errors, [])
        return freeswitch.api_commands()

    def test_available_logs_the_agent_into_her_queues(self):
        self.assertEqual(
            self._commands("available"),
            [
                "callcenter_config agent add 1000@default callback",
                "callcenter_config agent set contact 1000@default user/1000",
                "db insert/cc_agent/1000/user/1000",
                "callcenter_config tier add support@default 1000@default 1 1",
                "callcenter_config agent set status 1000@default 'Available'",
            ],
        )

    def test_break_wrap_up_and_offline_stop_her_calls(self):
        self.assertEqual(
            self._commands("break"),
            ["callcenter_config agent set status 1000@default 'On Break'"],
        )
        self.assertEqual(
            self._commands("wrap_up"),
            ["callcenter_config agent set status 1000@default 'On Break'"],
        )
        self.assertEqual(
            self._commands("offline"),
            [
                "callcenter_config agent set status 1000@default 'Logged Out'",
                "db delete/cc_agent/1000",
            ],
        )

    def test_a_change_in_odoo_reaches_freeswitch_once_committed(self):
        self.registry.enter_test_mode(self.cr)
        self.addCleanup(self.registry.leave_test_mode)
        with FakeFreeSwitch(PASSWORD, {"callcenter_config": "+OK\n"}) as freeswitch:
            self.server.esl_port = freeswitch.port
            self.Presence._cc_set_state(self.agent, "available")
            # Nothing is sent before the commit: a rolled back change would
            # leave FreeSWITCH saying otherwise.
            self.assertEqual(freeswitch.commands, [])
            self.env.flush_all()
            self.env.cr.postcommit.run()
        self.assertIn(
            "callcenter_config agent set status 1000@default 'Available'",
            freeswitch.api_commands(),
        )

    def test_freeswitch_away_does_not_undo_the_agents_choice(self):
        self.registry.enter_test_mode(self.cr)
        self.addCleanup(self.registry.leave_test_mode)
        with FakeFreeSwitch(PASSWORD, {}) as freeswitch:
            port = freeswitch.port
        self.server.esl_port = port  # nobody listens there any more
        self.Presence._cc_set_state(self.agent, "available")
        self.env.flush_all()
        with self.assertLogs(
            "odoo.addons.cc_telephony.models.cc_presence_log", "WARNING"
        ) as logs:
            self.env.cr.postcommit.run()
        self.assertIn("status not sent to FreeSWITCH", logs.output[0])
        self.assertNotIn(PASSWORD, logs.output[0])
        self.assertEqual(self._state().state, "available")

    def _status_event(self, status=None, state=None):
        event = {
            "Event-Name": "CUSTOM",
            "Event-Subclass": "callcenter::info",
            "CC-Agent": "1000@default",
            "Event-Date-Timestamp": "1795941545118637",
        }
        if status:
            event.update(
                {"CC-Action": "agent-status-change", "CC-Agent-Status": status}
            )
        if state:
            event.update({"CC-Action": "agent-state-change", "CC-Agent-State": state})
        return event

    def test_unanswered_calls_put_the_agent_on_break(self):
        """mod_callcenter's max-no-answer sets the agent On Break."""
        self.Presence._cc_set_state(self.agent, "available")
        self.Call._cc_apply_event(self.server, self._status_event(status="On Break"))
        log = self._state()
        self.assertEqual(log.state, "break")
        self.assertEqual(log.origin, "telephony")
        self.assertEqual(
            log.break_reason_id, self.env.ref("cc_agent.cc_break_reason_technical")
        )

    def test_the_echo_of_odoos_own_change_changes_nothing(self):
        reason = self.env.ref("cc_agent.cc_break_reason_prayer")
        self.Presence._cc_set_state(self.agent, "break", reason)
        before = self._state()
        self.Call._cc_apply_event(self.server, self._status_event(status="On Break"))
        self.assertEqual(self._state(), before)
        self.Presence._cc_set_state(self.agent, "wrap_up")
        wrap_up = self._state()
        self.Call._cc_apply_event(self.server, self._status_event(status="On Break"))
        self.Call._cc_apply_event(self.server, self._status_event(state="Waiting"))
        self.assertEqual(self._state(), wrap_up)

    def test_logged_out_in_freeswitch(self):
        self.Presence._cc_set_state(self.agent, "available")
        self.Call._cc_apply_event(self.server, self._status_event(status="Logged Out"))
        self.assertEqual(self._state().state, "offline")

    def test_recorded_status_event(self):
        """The recorded agent-status-change (Available) of an agent Odoo set
        available: nothing to do."""
        chunks = recording("callcenter_plain")
        parser = EslParser()
        events = [
            parse_event(message)
            for chunk in chunks
            if chunk.kind == "RECV"
            for message in parser.feed(chunk.data)
        ]
        status = next(
            e for e in events if e and e.get("CC-Action") == "agent-status-change"
        )
        self.assertEqual(status["CC-Agent"], "1000@default")
        self.Presence._cc_set_state(self.agent, "available")
        before = self._state()
        with mute_logger("odoo.addons.cc_telephony.tools.esl"):
            self.Call._cc_apply_event(self.server, dict(status))
        self.assertEqual(self._state(), before)
