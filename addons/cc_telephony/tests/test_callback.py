"""Callbacks: from callers who hang up or press the callback key in the queue
(the recorded mod_callcenter call, replayed), offered in the order of the
places kept to the agent Available the longest, one at a time, made with
click-to-dial, retried within limits; seen only by those who may."""

import json
from datetime import datetime, timedelta
from unittest.mock import patch

from freezegun import freeze_time
from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import (
    PASSWORD,
    TelephonyCase,
    as_trunk_call,
    customer_leg,
    recorded_events,
)
from .fake_freeswitch import FakeFreeSwitch
from .test_click_to_dial import GATEWAY_UP, REGISTERED

NOW = datetime(2026, 11, 29, 9, 0)


@tagged("post_install", "-at_install")
class TestCallback(TelephonyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.events = as_trunk_call(recorded_events("callcenter_plain"))
        cls.Callback = cls.env["cc.callback"]
        cls.queue.write(
            {"cc_callback_max_attempts": 2, "cc_callback_retry_minutes": 15}
        )
        cls.server.sip_domain = "cc.example.com"
        # The demo data's callbacks wait in their own queues: out of the way.
        cls.Callback.sudo().search([("state", "in", ("pending", "assigned"))]).write(
            {"state": "cancelled"}
        )

    def setUp(self):
        super().setUp()
        # Click-to-dial's originate leaves after the commit, in its own
        # transaction.
        self.registry.enter_test_mode(self.cr)
        self.addCleanup(self.registry.leave_test_mode)
        self.Presence = self.env["cc.presence.log"]
        self.Presence._cc_set_state(self.agent, "available")
        self.Presence._cc_set_state(self.agent_2, "available")
        # Badr has been Available longer than Amal.
        self._available_since(self.agent_2, datetime(2026, 11, 29, 6, 0))
        self._available_since(self.agent, datetime(2026, 11, 29, 7, 0))

    def _available_since(self, agent, when):
        self.Presence.search(
            [("agent_id", "=", agent.id), ("date_end", "=", False)]
        ).date_start = when

    # ------------------------------------------------------------------
    # Replayed queue calls
    # ------------------------------------------------------------------

    def _left_queue(self, leg_number=0, number="0501234567", **end_headers):
        """The recorded caller leaving the queue while the agent's phone
        rings (Cancel), with ``end_headers`` on the member-queue-end; another
        caller (a new leg) for each ``leg_number``."""
        events = recorded_events("callcenter_plain")
        if leg_number:
            leg = customer_leg(events)
            other = f"{leg[:-4]}{leg_number:04d}"
            events = json.loads(json.dumps(events).replace(leg, other))
        events = as_trunk_call(events, number=number)
        offer = next(
            i for i, e in enumerate(events) if e.get("CC-Action") == "agent-offering"
        )
        end = dict(next(e for e in events if e.get("CC-Action") == "member-queue-end"))
        end["CC-Cause"] = "Cancel"
        end.pop("CC-Agent", None)
        end.update(end_headers)
        fail = dict(events[offer], **{"CC-Action": "bridge-agent-fail"})
        calls = self.apply(events[: offer + 1] + [fail, end])
        return calls[-1:], end

    def test_abandoned_call_becomes_one_callback_per_open_number(self):
        call, _end = self._left_queue()
        self.assertTrue(call.abandoned)
        callback = self.Callback.search([("call_id", "=", call.id)])
        self.assertEqual(len(callback), 1)
        self.assertEqual(callback.origin, "abandoned")
        self.assertEqual(callback.state, "pending")
        self.assertEqual(callback.queue_id, self.queue)
        self.assertEqual(callback.partner_id, self.caller)
        self.assertEqual(callback.number, "+966501234567")
        # The place kept: when the caller joined the queue.
        self.assertEqual(callback.date_requested, call.date_queued)
        self.assertEqual(callback.date_requested, datetime(2026, 11, 29, 8, 39, 5))
        # The existing callback request (ticket) stays, linked.
        self.assertTrue(call.callback_ticket_id)
        self.assertEqual(callback.ticket_id, call.callback_ticket_id)
        # The same caller gives up again: the same callback, the same request.
        again, _end = self._left_queue(leg_number=1)
        self.assertNotEqual(again, call)
        self.assertTrue(again.abandoned)
        self.assertEqual(
            self.Callback.search_count([("number", "=", "+966501234567")]), 1
        )
        self.assertEqual(again.callback_ticket_id, callback.ticket_id)
        self.assertEqual(callback.date_requested, datetime(2026, 11, 29, 8, 39, 5))
        # Another number: its own callback.
        other, _end = self._left_queue(leg_number=2, number="0551112222")
        self.assertEqual(
            self.Callback.search([("call_id", "=", other.id)]).number,
            "+966551112222",
        )

    def test_one_open_callback_even_when_two_record_it_at_once(self):
        """The database keeps one callback to make per number and queue: a
        caller's callback recorded by another transaction between the look-up
        and the insert (here: a look-up that does not see it yet) is the one
        kept, not a second."""
        first = self._manual("0501234567", datetime(2026, 11, 29, 8, 0))
        Model = type(self.Callback)
        search = Model.search
        missed = []

        def not_yet_visible(records, domain, *args, **kwargs):
            if not missed and ("number", "=", "+966501234567") in domain:
                missed.append(domain)
                return records.browse()
            return search(records, domain, *args, **kwargs)

        with patch.object(Model, "search", autospec=True, side_effect=not_yet_visible):
            call, _end = self._left_queue()
        self.assertTrue(missed)
        self.assertEqual(call.callback_ticket_id, first.ticket_id)
        self.assertEqual(
            self.Callback.search_count([("number", "=", "+966501234567")]), 1
        )
        # Nor can a second one be made open behind the ORM's back.
        second = self._manual(
            "0501234567", datetime(2026, 11, 29, 8, 5), state="cancelled"
        )
        with (
            self.assertRaises(IntegrityError),
            mute_logger("odoo.sql_db"),
            self.env.cr.savepoint(),
        ):
            self.env.cr.execute(
                "UPDATE cc_callback SET state = 'pending' WHERE id = %s", [second.id]
            )

    def test_answered_call_cancels_the_callback_not_started(self):
        call, _end = self._left_queue()
        callback = self.Callback.search([("call_id", "=", call.id)])
        self.assertEqual(callback.state, "pending")
        # The customer calls again, 100 seconds later, and Amal answers.
        leg = customer_leg(self.events)
        later = json.loads(
            json.dumps(self.events)
            .replace(leg, f"{leg[:-4]}0009")
            .replace("17959415", "17959416")
        )
        answered = self.apply(later).filtered(lambda c: c.id != call.id)[:1]
        self.assertTrue(answered.date_answered)
        self.assertGreater(answered.date_answered, callback.date_requested)
        self.assertEqual(callback.state, "cancelled")
        self.assertEqual(
            callback.failure_reason,
            "The customer called again and an agent answered.",
        )

    def test_merge_keeps_the_earliest_place(self):
        later = self.Callback.create(
            {
                "queue_id": self.queue.id,
                "number": "0501234567",
                "date_requested": datetime(2026, 11, 29, 9, 0),
            }
        )
        call, _end = self._left_queue()
        self.assertEqual(
            self.Callback.search([("number", "=", "+966501234567")]), later
        )
        self.assertEqual(later.date_requested, datetime(2026, 11, 29, 8, 39, 5))
        # The manual callback had no request: the call's is its.
        self.assertEqual(later.ticket_id, call.callback_ticket_id)

    def test_no_callback_when_the_queue_makes_none(self):
        self.queue.cc_callback_enabled = False
        call, _end = self._left_queue()
        self.assertTrue(call.callback_ticket_id)
        self.assertFalse(self.Callback.search([("call_id", "=", call.id)]))

    def test_exit_with_key_is_a_callback_not_an_abandoned_call(self):
        call, end = self._left_queue(**{"CC-Cancel-Reason": "EXIT_WITH_KEY"})
        self.assertTrue(call.callback_requested)
        self.assertFalse(call.abandoned)
        callback = self.Callback.search([("call_id", "=", call.id)])
        self.assertEqual(callback.origin, "ivr")
        self.assertEqual(callback.date_requested, call.date_queued)
        self.assertIn("asked to be called back", callback.ticket_id.description)
        # The confirmation, then the caller hangs up: still one callback, and
        # the call never becomes abandoned.
        hangup = dict(
            end,
            **{
                "Event-Name": "CHANNEL_HANGUP_COMPLETE",
                "Unique-ID": call.unique_id,
                "variable_cc_callback_requested": "true",
            },
        )
        self.apply([end, hangup])
        self.assertFalse(call.abandoned)
        self.assertEqual(
            self.Callback.search_count([("number", "=", call.number_e164)]), 1
        )
        # Counted through its callback, not as an abandoned call.
        kpis = self.env["cc.queue"]._cc_kpis(
            self.queue, datetime(2026, 11, 29), datetime(2026, 11, 30)
        )[self.queue.id]
        self.assertEqual(kpis["abandoned"], 0)
        self.assertEqual(kpis["callbacks_requested"], 1)

    def test_hangup_marked_by_the_dialplan_is_a_callback(self):
        """The queue's event was missed: the hang-up carries the dialplan's
        cc_callback_requested."""
        leg = "62fc95b8-37e6-42c9-bddc-07aef35396d6"
        events = [e for e in self.events if not e.get("CC-Action")]
        hangup = next(
            e
            for e in events
            if e["Event-Name"] == "CHANNEL_HANGUP_COMPLETE" and e["Unique-ID"] == leg
        )
        # A caller who pressed the key was never put through to an agent:
        # none of what mod_callcenter and the bridge leave on an answered
        # caller's channel (the recording's call was answered).
        hangup = {
            key: value
            for key, value in hangup.items()
            if not key.startswith(("variable_cc_agent", "variable_cc_queue_answered"))
        }
        hangup["Caller-Channel-Bridged-Time"] = "0"
        call = self.apply([dict(hangup, variable_cc_callback_requested="true")])
        self.assertTrue(call.callback_requested)
        self.assertFalse(call.abandoned)
        self.assertFalse(call.date_answered)

    # ------------------------------------------------------------------
    # Dispatch
    # ------------------------------------------------------------------

    def _manual(self, number, requested, **values):
        return self.Callback.create(
            {
                "queue_id": self.queue.id,
                "number": number,
                "date_requested": requested,
                **values,
            }
        )

    def _dispatch(self, when=NOW):
        with freeze_time(when):
            self.Callback._cron_dispatch()

    def test_offered_in_the_order_of_the_places_kept(self):
        late = self._manual("0551000003", datetime(2026, 11, 29, 8, 30))
        first = self._manual("0551000001", datetime(2026, 11, 29, 8, 0))
        second = self._manual("0551000002", datetime(2026, 11, 29, 8, 10))
        self.env.cr.precommit.run()
        self.env["bus.bus"].sudo().search([]).unlink()
        self._dispatch()
        # Badr, Available the longest, gets the first place; Amal the second;
        # nobody is free for the third.
        self.assertEqual((first.state, first.agent_id), ("assigned", self.agent_2))
        self.assertEqual((second.state, second.agent_id), ("assigned", self.agent))
        self.assertEqual((late.state, late.agent_id.id), ("pending", False))
        self.assertEqual(first.date_assigned, NOW)
        offers = self.bus_messages(self.user_agent_2, "cc_telephony/callback")
        self.assertEqual(len(offers), 1)
        self.assertEqual(offers[0]["callback_id"], first.id)
        self.assertEqual(offers[0]["state"], "assigned")
        self.assertEqual(offers[0]["number"], "+966551000001")
        self.assertEqual(offers[0]["queue"], "Support")
        self.assertEqual(offers[0]["attempt"], 1)
        self.assertEqual(
            [
                o["callback_id"]
                for o in self.bus_messages(self.user_agent, "cc_telephony/callback")
            ],
            [second.id],
        )
        # One at a time: a second run offers nothing more to them.
        self._dispatch()
        self.assertEqual(late.state, "pending")

    def test_only_available_agents_of_the_queue(self):
        self.Presence._cc_set_state(
            self.agent_2, "break", self.env.ref("cc_agent.cc_break_reason_technical")
        )
        callback = self._manual("0551000001", datetime(2026, 11, 29, 8, 0))
        self.queue.agent_ids = self.agent_2
        self._dispatch()
        self.assertEqual(callback.state, "pending")
        self.queue.agent_ids = self.agent | self.agent_2
        self._dispatch()
        self.assertEqual(callback.agent_id, self.agent)

    def test_offer_not_taken_goes_to_someone_else(self):
        callback = self._manual("0551000001", datetime(2026, 11, 29, 8, 0))
        self._dispatch()
        self.assertEqual(callback.agent_id, self.agent_2)
        self.env.cr.precommit.run()
        self.env["bus.bus"].sudo().search([]).unlink()
        # Four minutes later it is still Badr's; after five, Amal's.
        self._dispatch(NOW + timedelta(minutes=4))
        self.assertEqual(callback.agent_id, self.agent_2)
        self._dispatch(NOW + timedelta(minutes=5, seconds=1))
        self.assertEqual((callback.state, callback.agent_id), ("assigned", self.agent))
        self.assertEqual(callback.passed_agent_ids, self.agent_2)
        self.assertEqual(
            self.bus_messages(self.user_agent_2, "cc_telephony/callback"),
            [{"callback_id": callback.id, "state": "gone"}],
        )

    def test_becoming_available_triggers_the_dispatch(self):
        cron = self.env.ref("cc_telephony.ir_cron_cc_callback_dispatch")
        Trigger = self.env["ir.cron.trigger"].sudo()
        Trigger.search([("cron_id", "=", cron.id)]).unlink()
        self.Presence._cc_set_state(self.agent, "offline")
        self.Presence._cc_set_state(self.agent, "available")
        # Nothing waits: no trigger.
        self.assertFalse(Trigger.search([("cron_id", "=", cron.id)]))
        self._manual("0551000001", datetime(2026, 11, 29, 8, 0))
        Trigger.search([("cron_id", "=", cron.id)]).unlink()
        self.Presence._cc_set_state(self.agent, "offline")
        self.assertFalse(Trigger.search([("cron_id", "=", cron.id)]))
        self.Presence._cc_set_state(self.agent, "available")
        self.assertTrue(Trigger.search([("cron_id", "=", cron.id)]))

    # ------------------------------------------------------------------
    # Calling back
    # ------------------------------------------------------------------

    def _call_now(self, callback, user):
        """The agent's "Call now": FreeSWITCH (faked) rings their phone and
        the customer's; returns the call placed."""
        replies = {
            "sofia_contact 1000@cc.example.com": REGISTERED,
            "sofia_contact 1090@cc.example.com": REGISTERED,
            "sofia status gateway stc-trunk": GATEWAY_UP,
            "bgapi originate": "+OK",
        }
        with FakeFreeSwitch(PASSWORD, replies) as freeswitch:
            self.server.esl_port = freeswitch.port
            self.assertTrue(callback.with_user(user).action_call())
            self.env.flush_all()
            self.env.cr.postcommit.run()
        self.assertEqual(freeswitch.errors, [])
        self.assertTrue(
            any(c.startswith("bgapi originate") for c in freeswitch.commands)
        )
        return self.Call.search(
            [("res_model", "=", "cc.callback"), ("res_id", "=", callback.id)],
            order="id desc",
            limit=1,
        )

    def _event(self, call, name, cause="", timestamp=1795941969938527):
        return self.Call._cc_apply_event(
            self.server,
            {
                "Event-Name": name,
                "Unique-ID": call.unique_id,
                "Hangup-Cause": cause,
                "Event-Date-Timestamp": str(timestamp),
            },
        )

    def _unanswered(self, call):
        """The agent picks up; the customer does not answer."""
        self._event(call, "CHANNEL_ANSWER")
        self.Call._cc_apply_event(
            self.server,
            {
                "Event-Name": "CHANNEL_HANGUP_COMPLETE",
                "Unique-ID": "b1e1c0de-0000-4000-8000-00000000000c",
                "Other-Leg-Unique-ID": call.unique_id,
                "Hangup-Cause": "NO_ANSWER",
                "Event-Date-Timestamp": "1795941969938527",
            },
        )
        self._event(call, "CHANNEL_HANGUP_COMPLETE", "NORMAL_CLEARING")

    def test_reached_customer_is_done(self):
        """From the caller who hung up to the customer reached."""
        call, _end = self._left_queue()
        callback = self.Callback.search([("call_id", "=", call.id)])
        activity = callback.ticket_id.activity_ids
        self.assertEqual(activity.user_id, self.user_agent_2)
        self._dispatch()
        self.assertEqual(callback.agent_id, self.agent_2)
        call = self._call_now(callback, self.user_agent_2)
        self.assertEqual((call.res_model, call.res_id), ("cc.callback", callback.id))
        self.assertEqual(call.agent_id, self.agent_2)
        self.assertEqual(callback.state, "calling")
        self._event(call, "CHANNEL_ANSWER")
        self._event(call, "CHANNEL_BRIDGE", timestamp=1795941970000000)
        self._event(
            call, "CHANNEL_HANGUP_COMPLETE", "NORMAL_CLEARING", 1795942030000000
        )
        self.assertEqual(call.talk, 60)
        self.assertEqual(callback.state, "done")
        self.assertEqual(callback.date_done, call.date_answered)
        self.assertEqual(callback.attempt_count, 1)
        # The request's "call back" to-do is done.
        self.assertFalse(activity.exists())
        self.assertFalse(callback.ticket_id.activity_ids)
        # A late repeat of the hang-up changes nothing.
        self._event(call, "CHANNEL_HANGUP_COMPLETE", "NORMAL_CLEARING")
        self.assertEqual(callback.attempt_count, 1)

    def test_retries_within_the_limit_then_failed(self):
        callback = self._manual("0501234567", datetime(2026, 11, 29, 8, 0))
        self._dispatch()
        call = self._call_now(callback, self.user_agent_2)
        with freeze_time(NOW):
            self._unanswered(call)
        self.assertEqual(callback.state, "pending")
        self.assertEqual(callback.attempt_count, 1)
        self.assertEqual(callback.failure_reason, "The customer did not answer.")
        self.assertEqual(callback.next_attempt, NOW + timedelta(minutes=15))
        self.assertFalse(callback.agent_id)
        # Not before the next attempt's time.
        self._dispatch(NOW + timedelta(minutes=14))
        self.assertEqual(callback.state, "pending")
        self._dispatch(NOW + timedelta(minutes=15))
        self.assertEqual(callback.state, "assigned")
        self._unanswered(self._call_now(callback, callback.agent_id.user_id))
        # The queue's 2 attempts are made: failed, with the reason.
        self.assertEqual(callback.state, "failed")
        self.assertEqual(callback.attempt_count, 2)
        self.assertIn("The customer did not answer.", callback.failure_reason)
        self.assertIn("attempt 2 of 2", callback.failure_reason)
        self._dispatch(NOW + timedelta(hours=1))
        self.assertEqual(callback.state, "failed")
        # A supervisor tries again.
        callback.with_user(self.user_supervisor).action_retry()
        self.assertEqual((callback.state, callback.attempt_count), ("pending", 0))

    def test_dispatch_is_woken_only_for_callbacks_due(self):
        """An agent going Available wakes the dispatch only when a callback
        is due now: one waiting out its retry delay does not."""
        cron = self.env.ref("cc_telephony.ir_cron_cc_callback_dispatch")
        Trigger = self.env["ir.cron.trigger"].sudo()
        callback = self._manual("0501234567", datetime(2026, 11, 29, 8, 0))
        callback.sudo().next_attempt = NOW + timedelta(minutes=15)
        before = Trigger.search_count([("cron_id", "=", cron.id)])
        with freeze_time(NOW):
            self.Callback._cc_dispatch_soon()
        self.assertEqual(Trigger.search_count([("cron_id", "=", cron.id)]), before)
        with freeze_time(NOW + timedelta(minutes=15)):
            self.Callback._cc_dispatch_soon()
        self.assertEqual(Trigger.search_count([("cron_id", "=", cron.id)]), before + 1)

    def test_a_wrong_assign_minutes_setting_does_not_stop_the_dispatch(self):
        Param = self.env["ir.config_parameter"].sudo()
        Param.set_param("cc_telephony.callback_assign_minutes", "5 min")
        with self.assertLogs("odoo.addons.cc_telephony.models.cc_callback", "WARNING"):
            self.assertEqual(self.Callback._cc_assign_minutes(), 5)
            self._dispatch()
        Param.set_param("cc_telephony.callback_assign_minutes", "12")
        self.assertEqual(self.Callback._cc_assign_minutes(), 12)

    def test_agent_phone_failure_is_no_attempt(self):
        callback = self._manual("0501234567", datetime(2026, 11, 29, 8, 0))
        self._dispatch()
        call = self._call_now(callback, self.user_agent_2)
        self.Call._cc_apply_event(
            self.server,
            {
                "Event-Name": "BACKGROUND_JOB",
                "Job-UUID": call.job_uuid,
                "Event-Date-Timestamp": "1795941964898528",
                "_body": "-ERR NO_ANSWER\n",
            },
        )
        self.assertEqual(call.state, "failed")
        self.assertEqual(callback.state, "pending")
        self.assertEqual(callback.attempt_count, 0)
        self.assertFalse(callback.next_attempt)
        self.assertEqual(callback.passed_agent_ids, self.agent_2)
        self.assertIn("You did not answer your phone", callback.failure_reason)
        # Offered to Amal first now.
        self._dispatch()
        self.assertEqual(callback.agent_id, self.agent)

    # ------------------------------------------------------------------
    # Who may do what
    # ------------------------------------------------------------------

    def test_agents_see_and_call_only_their_own(self):
        badrs = self._manual("0551000001", datetime(2026, 11, 29, 8, 0))
        amals = self._manual("0551000002", datetime(2026, 11, 29, 8, 10))
        self._dispatch()
        self.assertEqual(badrs.agent_id, self.agent_2)
        As_amal = self.Callback.with_user(self.user_agent)
        self.assertEqual(As_amal.search([]), amals)
        with self.assertRaises(AccessError):
            badrs.with_user(self.user_agent).read(["number"])
        with self.assertRaises(AccessError):
            badrs.with_user(self.user_agent).action_call()
        with self.assertRaises(AccessError):
            amals.with_user(self.user_agent).write({"state": "done"})
        with self.assertRaises(AccessError):
            As_amal.create({"queue_id": self.queue.id, "number": "0551000009"})
        # Supervisors see all of them, and may not call one offered to Badr.
        As_dana = self.Callback.with_user(self.user_supervisor)
        self.assertEqual(As_dana.search([]) & (badrs | amals), badrs | amals)
        with self.assertRaisesNaming(UserError, "not yours to make"):
            badrs.with_user(self.user_supervisor).action_call()

    def test_supervisor_creates_and_cancels(self):
        As_dana = self.Callback.with_user(self.user_supervisor)
        callback = As_dana.create(
            {"queue_id": self.queue.id, "number": "050 123 4567", "note": "Bill"}
        )
        self.assertEqual(callback.origin, "manual")
        self.assertEqual(callback.number, "+966501234567")
        with self.assertRaisesNaming(ValidationError, "already has a callback"):
            As_dana.create({"queue_id": self.queue.id, "number": "0501234567"})
        with self.assertRaisesNaming(ValidationError, "not 12"):
            As_dana.create({"queue_id": self.queue.id, "number": "12"})
        callback.action_cancel()
        self.assertEqual(callback.state, "cancelled")
        # Cancelled: the number may be called back again.
        As_dana.create({"queue_id": self.queue.id, "number": "0501234567"})
