"""Calls built from FreeSWITCH events: the recorded mod_callcenter call of
fixtures/esl/ as a customer's call, then repeated, reordered, abandoned."""

import random
from datetime import datetime

from odoo.tests import tagged

from ..models.cc_call import member_rows
from .common import TelephonyCase, as_trunk_call, customer_leg, recorded_events
from .test_listener import recorded_members


@tagged("post_install", "-at_install")
class TestCallEvents(TelephonyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.events = as_trunk_call(recorded_events("callcenter_plain"))
        cls.leg = customer_leg(cls.events)

    def setUp(self):
        super().setUp()
        Presence = self.env["cc.presence.log"]
        Presence._cc_set_state(self.agent, "available")
        Presence._cc_set_state(self.agent_2, "available")

    def _state(self, agent):
        return self.env["cc.presence.log"]._cc_current(agent)[agent.id].state

    def test_queue_call_is_recorded_once_with_everything(self):
        self.apply(self.events)
        calls = self.Call.search([("server_id", "=", self.server.id)])
        # The agent's and the echo's loopback legs are not customers' calls.
        self.assertEqual(len(calls), 1)
        call = calls
        self.assertEqual(call.unique_id, self.leg)
        self.assertEqual(call.direction, "inbound")
        self.assertEqual(call.state, "ended")
        self.assertEqual(call.number, "0501234567")
        self.assertEqual(call.number_e164, "+966501234567")
        self.assertEqual(call.partner_id, self.caller)
        self.assertEqual(call.queue_id, self.queue)
        self.assertEqual(call.service_type_id, self.service_agent)
        self.assertEqual(call.agent_id, self.agent)
        self.assertEqual(call.offered_agent_ids, self.agent)
        self.assertFalse(call.abandoned)
        self.assertEqual(call.hangup_cause, "NORMAL_CLEARING")
        # The recording's times (2026-11-29 08:39 UTC): 8 s of conversation.
        self.assertEqual(call.date_created, datetime(2026, 11, 29, 8, 39, 5))
        self.assertEqual(call.date_answered, datetime(2026, 11, 29, 8, 39, 5))
        self.assertEqual(call.date_ended, datetime(2026, 11, 29, 8, 39, 13))
        self.assertEqual(call.talk, 8)
        self.assertEqual(call.wait, 0)
        # One handled contact in the agent's ledger, with the call's length.
        interaction = call.interaction_id
        self.assertEqual(len(interaction), 1)
        self.assertEqual(interaction.agent_id, self.agent)
        self.assertEqual(interaction.partner_id, self.caller)
        self.assertEqual(interaction.channel, "inbound_call")
        self.assertEqual(interaction.duration, 8)
        # mod_callcenter's last word: the agent waits for the next call.
        self.assertEqual(self._state(self.agent), "available")
        self.assertEqual(self.queue.waiting_count, 0)
        self.assertTrue(self.queue.waiting_updated)

    def test_agent_states_follow_the_call(self):
        states = []
        for event in self.events:
            self.Call._cc_apply_event(self.server, event)
            state = self._state(self.agent)
            if not states or states[-1] != state:
                states.append(state)
        self.assertEqual(states, ["available", "on_call", "wrap_up", "available"])
        origins = (
            self.env["cc.presence.log"]
            .search([("agent_id", "=", self.agent.id)], order="id")
            .mapped("origin")
        )
        self.assertEqual(origins, ["agent", "telephony", "telephony", "telephony"])

    def test_duplicates_never_double_anything(self):
        self.apply(self.events)
        call = self.Call.search([("unique_id", "=", self.leg)])
        before = call.read(
            ["state", "date_created", "date_answered", "date_ended", "talk"]
        )
        # FreeSWITCH, or a listener reconnecting, says everything again.
        self.apply(self.events)
        self.apply([event for event in self.events for _twice in (1, 2)])
        self.assertEqual(
            self.Call.search_count([("server_id", "=", self.server.id)]), 1
        )
        self.assertEqual(
            call.read(["state", "date_created", "date_answered", "date_ended", "talk"]),
            before,
        )
        self.assertEqual(
            self.env["cc.interaction"].search_count(
                [("source_key", "=", f"cc.call:{self.leg}")]
            ),
            1,
        )
        self.assertFalse(call.callback_ticket_id)

    def test_any_order_gives_the_same_call(self):
        self.apply(self.events)
        expected = self.Call.search([("unique_id", "=", self.leg)]).read(
            [
                "state",
                "date_created",
                "date_queued",
                "date_answered",
                "date_ended",
                "wait",
                "talk",
                "queue_id",
                "agent_id",
                "partner_id",
                "hangup_cause",
            ]
        )[0]
        del expected["id"]
        orders = {"reversed": list(reversed(self.events))}
        for seed in range(5):
            shuffled = list(self.events)
            random.Random(seed).shuffle(shuffled)
            orders[f"shuffled {seed}"] = shuffled
        for label, events in orders.items():
            with self.subTest(order=label):
                # Forget the call, then replay in this order.
                self.Call.search([("unique_id", "=", self.leg)]).sudo().unlink()
                self.env["cc.interaction"].search(
                    [("source_key", "=", f"cc.call:{self.leg}")]
                ).sudo().unlink()
                self.apply(events)
                calls = self.Call.search([("server_id", "=", self.server.id)])
                self.assertEqual(len(calls), 1)
                got = calls.read(list(expected))[0]
                del got["id"]
                self.assertEqual(got, expected)
                self.assertEqual(calls.interaction_id.duration, 8)

    def test_abandoned_call_becomes_a_callback_for_the_longest_available(self):
        # The caller hangs up while the queue rings the agent: the same
        # recording, cut after the offer, ended by the caller (Cancel).
        events = self.events
        offer = next(
            i for i, e in enumerate(events) if e.get("CC-Action") == "agent-offering"
        )
        end = dict(next(e for e in events if e.get("CC-Action") == "member-queue-end"))
        end["CC-Cause"] = "Cancel"
        end.pop("CC-Agent", None)
        fail = dict(events[offer], **{"CC-Action": "bridge-agent-fail"})
        # Badr has been available longer than Amal, who was just offered the call.
        self.env["cc.presence.log"].search(
            [("agent_id", "=", self.agent_2.id), ("date_end", "=", False)]
        ).date_start = datetime(2026, 11, 29, 6, 0)
        self.apply(events[: offer + 1] + [fail, end])
        call = self.Call.search([("unique_id", "=", self.leg)])
        self.assertTrue(call.abandoned)
        self.assertEqual(call.state, "ended")
        self.assertFalse(call.interaction_id)
        ticket = call.callback_ticket_id
        self.assertTrue(ticket)
        self.assertEqual(ticket.partner_id, self.caller)
        self.assertEqual(ticket.service_type_id, self.service_agent)
        self.assertEqual(ticket.owner_id, self.agent_2)
        self.assertEqual(ticket.channel, "phone")
        self.assertIn(call, ticket.call_ids)
        self.assertEqual(ticket.activity_ids.user_id, self.user_agent_2)
        # The same end again, or the caller's hang-up: still one callback.
        self.apply([end, end])
        self.assertEqual(
            self.env["cc.ticket"].search_count([("call_ids", "in", call.ids)]), 1
        )

    def test_screen_pop_reaches_the_offered_agent_only(self):
        offer = next(
            i
            for i, e in enumerate(self.events)
            if e.get("CC-Action") == "agent-offering"
        )
        self.env.cr.precommit.run()
        self.env["bus.bus"].sudo().search([]).unlink()
        self.apply(self.events[: offer + 1])
        pops = self.bus_messages(self.user_agent)
        self.assertEqual(len(pops), 1)
        pop = pops[0]
        self.assertEqual(pop["state"], "offering")
        self.assertEqual(
            pop["partner"], {"id": self.caller.id, "name": "Nora Al-Qahtani"}
        )
        self.assertEqual(pop["number"], "+966 50 123 4567")
        self.assertEqual(pop["queue"], "Support")
        self.assertEqual(pop["service_type"]["id"], self.service_agent.id)
        self.assertEqual(self.bus_messages(self.user_agent_2), [])
        self.assertEqual(self.bus_messages(self.user_supervisor), [])

    def test_pop_shows_open_requests_and_last_contacts(self):
        ticket = self._ticket(partner_id=self.caller.id, subject="Router broken")
        self._ticket(partner_id=self.caller.id, subject="Old", stage="resolved")
        self.env["cc.interaction"]._record(
            [
                {
                    "agent_id": self.agent_2.id,
                    "partner_id": self.caller.id,
                    "channel": "email",
                    "date_start": datetime(2026, 11, 20, 9, 0),
                    "source_key": "test:earlier",
                }
            ]
        )
        call = self.apply(self.events[:9])[-1:]
        pop = call._cc_pop_payload()
        self.assertEqual([t["id"] for t in pop["tickets"]], ticket.ids)
        self.assertEqual(pop["tickets"][0]["subject"], "Router broken")
        self.assertEqual(len(pop["last_contacts"]), 1)
        self.assertEqual(pop["last_contacts"][0]["channel"], "email")
        self.assertEqual(pop["last_contacts"][0]["agent"], "Agent Badr")

    def test_another_agent_taking_the_call_closes_the_first_agents_card(self):
        offer = next(
            i
            for i, e in enumerate(self.events)
            if e.get("CC-Action") == "agent-offering"
        )
        # Ring-all: Badr's phone rang too; Amal answers.
        offer_badr = dict(self.events[offer], **{"CC-Agent": "1090@default"})
        self.env.cr.precommit.run()
        self.env["bus.bus"].sudo().search([]).unlink()
        self.apply(self.events[: offer + 1] + [offer_badr] + self.events[offer + 1 :])
        call = self.Call.search([("unique_id", "=", self.leg)])
        self.assertEqual(call.agent_id, self.agent)
        self.assertEqual(call.offered_agent_ids, self.agent | self.agent_2)
        badr = self.bus_messages(self.user_agent_2)
        self.assertEqual(badr[0]["state"], "offering")
        self.assertEqual(badr[-1], {"call_id": call.id, "state": "gone"})
        self.assertEqual(self.bus_messages(self.user_agent)[-1]["state"], "ended")

    def test_direct_call_without_queue(self):
        """A caller the dialplan bridges straight to an agent's phone."""
        create = next(
            e
            for e in self.events
            if e["Event-Name"] == "CHANNEL_CREATE" and e["Unique-ID"] == self.leg
        )
        agent_leg = {
            "Event-Name": "CHANNEL_CREATE",
            "Unique-ID": "7d3a0c1e-0000-4000-8000-000000000001",
            "Other-Leg-Unique-ID": self.leg,
            "Call-Direction": "outbound",
            "Caller-Context": "public",
            "Caller-Destination-Number": "1000",
            "variable_dialed_user": "1000",
            "Event-Date-Timestamp": create["Event-Date-Timestamp"],
        }
        bridge = dict(create, **{"Event-Name": "CHANNEL_BRIDGE"})
        call = self.apply([create, agent_leg, bridge])
        self.assertEqual(len(call), 1)
        self.assertEqual(call.agent_id, self.agent)
        self.assertFalse(call.queue_id)
        self.assertEqual(call.state, "talking")
        self.assertEqual(call.interaction_id.agent_id, self.agent)
        self.assertEqual(self._state(self.agent), "on_call")
        # No mod_callcenter to say so: the hang-up makes her available again.
        hangup = next(
            e
            for e in self.events
            if e["Event-Name"] == "CHANNEL_HANGUP_COMPLETE"
            and e["Unique-ID"] == self.leg
        )
        self.apply([hangup])
        self.assertEqual(call.state, "ended")
        self.assertEqual(self._state(self.agent), "available")

    def test_voice_menu_choice_sets_the_service_type(self):
        """The dialplan sets cc_service_type after the menu, so the channel's
        creation does not carry it; the queue's events and the rest do."""
        events = [dict(e) for e in self.events]
        for event in events:
            if event.get("CC-Action") or event.get("Unique-ID") == self.leg:
                if event["Event-Name"] != "CHANNEL_CREATE":
                    event["variable_cc_service_type"] = "T_CONTRACT"
        call = self.apply(events[:2])[-1:]
        self.assertFalse(call.service_type_id)
        self.apply(events[2:])
        # The caller's choice, not the queue's default.
        self.assertEqual(call.service_type_id, self.service_escalate)
        self.assertEqual(self.queue.service_type_id, self.service_agent)

    def test_callers_waiting_in_the_queue(self):
        start = next(
            i
            for i, e in enumerate(self.events)
            if e.get("CC-Action") == "member-queue-start"
        )
        bridge = next(
            i
            for i, e in enumerate(self.events)
            if e.get("CC-Action") == "bridge-agent-start"
        )
        self.apply(self.events[: start + 2])  # with FreeSWITCH's members-count
        self.assertEqual(self.queue.waiting_count, 1)
        self.apply(self.events[start + 2 : bridge + 1])
        self.assertEqual(self.queue.waiting_count, 0)
        # FreeSWITCH's next members-count still says 1 (the caller being put
        # through): the call log decides.
        count = dict(
            next(e for e in self.events if e.get("CC-Action") == "members-count"),
            **{"CC-Count": "1"},
        )
        self.apply([count])
        self.assertEqual(self.queue.waiting_count, 0)

    def test_recording_and_notice_are_kept_from_the_hangup(self):
        events = [dict(e) for e in self.events]
        for event in events:
            if (
                event["Event-Name"] == "CHANNEL_HANGUP_COMPLETE"
                and event.get("Unique-ID") == self.leg
            ):
                event["variable_cc_recording_path"] = (
                    f"/var/lib/freeswitch/recordings/{self.leg}.wav"
                )
                event["variable_cc_recording_notice"] = "true"
        self.apply(events)
        call = self.Call.search([("unique_id", "=", self.leg)])
        self.assertTrue(call.recording_notice)
        self.assertEqual(
            call.recording_path, f"/var/lib/freeswitch/recordings/{self.leg}.wav"
        )

    def test_calls_of_other_contexts_are_not_customers(self):
        # As recorded: every leg in context "default", none from the trunk.
        self.apply(recorded_events("loopback_call_plain"))
        self.apply(recorded_events("sipp_plain"))
        self.assertEqual(
            self.Call.search_count([("server_id", "=", self.server.id)]), 0
        )

    def test_hangup_alone_still_records_the_call(self):
        """A listener started during a call sees only its end."""
        hangup = next(
            e
            for e in self.events
            if e["Event-Name"] == "CHANNEL_HANGUP_COMPLETE"
            and e["Unique-ID"] == self.leg
        )
        call = self.apply([hangup])
        self.assertEqual(call.state, "ended")
        self.assertEqual(call.partner_id, self.caller)
        self.assertEqual(call.date_created, datetime(2026, 11, 29, 8, 39, 5))
        self.assertEqual(call.date_ended, datetime(2026, 11, 29, 8, 39, 13))
        # The variables mod_callcenter set on the caller's channel say who
        # answered and when: the agent gets their handled contact.
        self.assertEqual(call.agent_id, self.agent)
        self.assertEqual(call.queue_id, self.queue)
        self.assertEqual(call.date_answered, datetime(2026, 11, 29, 8, 39, 5))
        self.assertEqual(call.talk, 8)
        self.assertFalse(call.abandoned)
        self.assertEqual(call.interaction_id.agent_id, self.agent)
        self.assertEqual(call.interaction_id.duration, 8)
        # The rest, late: nothing doubled, nothing moved.
        self.apply(self.events)
        self.assertEqual(call.date_answered, datetime(2026, 11, 29, 8, 39, 5))
        self.assertEqual(
            self.env["cc.interaction"].search_count(
                [("source_key", "=", f"cc.call:{self.leg}")]
            ),
            1,
        )

    def test_answer_missed_queue_end_tells_who_answered(self):
        """The events of the offer and the bridge lost (a listener killed
        while applying them): mod_callcenter's member-queue-end names the
        agent who answered, and when."""
        kept = [
            e
            for e in self.events
            if e.get("CC-Action") in ("member-queue-start", "member-queue-end")
        ]
        call = self.apply(kept)[:1]
        self.assertEqual(call.state, "ended")
        self.assertEqual(call.agent_id, self.agent)
        self.assertEqual(call.date_answered, datetime(2026, 11, 29, 8, 39, 5))
        self.assertFalse(call.abandoned)
        self.assertEqual(call.interaction_id.agent_id, self.agent)

    def test_abandoned_end_is_not_taken_for_an_answer(self):
        """A caller who gave up: neither the queue's end (CC-Cause Cancel) nor
        the hang-up (no cc_agent_bridged, no bridge time) invents an answer."""
        ended = []
        for event in self.events:
            if event.get("CC-Action") == "member-queue-end":
                event = dict(event, **{"CC-Cause": "Cancel"})
                event.pop("CC-Agent-Answered-Time", None)
            elif (
                event.get("Event-Name") == "CHANNEL_HANGUP_COMPLETE"
                and event.get("Unique-ID") == self.leg
            ):
                event = {
                    key: value
                    for key, value in event.items()
                    if not key.startswith("variable_cc_agent")
                    and key != "variable_cc_queue_answered_epoch"
                }
                event["Caller-Channel-Bridged-Time"] = "0"
            else:
                continue
            ended.append(event)
        call = self.apply(ended)[:1]
        self.assertEqual(call.state, "ended")
        self.assertFalse(call.date_answered)
        self.assertFalse(call.agent_id)
        self.assertTrue(call.abandoned)
        self.assertFalse(call.interaction_id)

    def test_abandoned_hangup_alone_is_abandoned(self):
        """The queue's member-queue-end (Cancel) lost: the caller's hang-up
        carries mod_callcenter's cc_cause=cancel."""
        hangup = next(
            e
            for e in self.events
            if e["Event-Name"] == "CHANNEL_HANGUP_COMPLETE"
            and e["Unique-ID"] == self.leg
        )
        hangup = {
            key: value
            for key, value in hangup.items()
            if not key.startswith(("variable_cc_agent", "variable_cc_queue_answered"))
        }
        hangup.update(
            {"Caller-Channel-Bridged-Time": "0", "variable_cc_cause": "cancel"}
        )
        call = self.apply([hangup])
        self.assertEqual(call.state, "ended")
        self.assertFalse(call.date_answered)
        self.assertTrue(call.abandoned)
        self.assertTrue(call.callback_ticket_id)

    def test_reconcile_rebuilds_the_queue_callers_odoo_missed(self):
        """After a reconnection, mod_callcenter's list of the queue's callers
        (the recorded answer: one who gave up, the recorded caller served by
        1000@default) rebuilds the call whose events were lost."""
        members = member_rows(recorded_members())
        self.assertEqual(
            [(m["state"], m["serving_agent"]) for m in members],
            [("Abandoned", ""), ("Answered", "1000@default")],
        )
        self.apply(self.events[:2])  # the caller's channel, nothing more
        self.Call._cc_reconcile(self.server, {self.leg}, members=members)
        call = self.Call.search([("unique_id", "=", self.leg)])
        self.assertEqual(call.state, "talking")
        self.assertEqual(call.agent_id, self.agent)
        self.assertEqual(call.queue_id, self.queue)
        self.assertEqual(call.date_queued, datetime(2026, 11, 29, 8, 39, 5))
        self.assertEqual(call.date_answered, datetime(2026, 11, 29, 8, 39, 5))
        self.assertEqual(call.interaction_id.agent_id, self.agent)
        self.assertEqual(self._state(self.agent), "on_call")
        # The one who gave up (no channel) is not made a call; a second
        # reconciliation changes nothing.
        self.assertEqual(
            self.Call.search_count([("server_id", "=", self.server.id)]), 1
        )
        before = call.read(["state", "date_answered", "agent_id", "interaction_id"])
        self.Call._cc_reconcile(self.server, {self.leg}, members=members)
        self.assertEqual(
            call.read(["state", "date_answered", "agent_id", "interaction_id"]),
            before,
        )
        # The rest of the call, as it comes: the same call as if nothing was
        # lost.
        self.apply(self.events)
        self.assertEqual(call.state, "ended")
        self.assertEqual(call.talk, 8)
        self.assertEqual(call.interaction_id.duration, 8)

    def test_reconcile_records_a_waiting_caller_odoo_never_saw(self):
        members = [
            {
                "queue": "support@default",
                "session_uuid": "7a1c3a56-0000-4000-8000-00000000c0de",
                "uuid": "9b2d4e67-0000-4000-8000-00000000c0de",
                "cid_number": "0501234567",
                "cid_name": "Nora",
                "system_epoch": "1795941545",
                "joined_epoch": "1795941545",
                "bridge_epoch": "0",
                "serving_agent": "",
                "state": "Waiting",
            }
        ]
        calls = self.Call._cc_reconcile(self.server, set(), members=members)
        self.assertFalse(calls)  # nothing ended
        call = self.Call.search([("unique_id", "=", members[0]["session_uuid"])])
        self.assertEqual(call.state, "queued")
        self.assertEqual(call.partner_id, self.caller)
        self.assertEqual(call.queue_id, self.queue)
        self.assertFalse(call.agent_id)
        self.assertEqual(self.queue.waiting_count, 1)

    def test_reconcile_a_caller_gone_from_the_queue_gave_up(self):
        """Queued, never answered, and gone when the listener comes back (its
        hang-up and the queue's end lost): the caller gave up."""
        start = next(
            i
            for i, e in enumerate(self.events)
            if e.get("CC-Action") == "member-queue-start"
        )
        call = self.apply(self.events[: start + 1])[-1:]
        self.assertEqual(call.state, "queued")
        self.assertFalse(call.abandoned)
        self.env.cr.execute(
            "UPDATE cc_call SET create_date = now() - interval '5 minutes' "
            "WHERE id = %s",
            [call.id],
        )
        call.invalidate_recordset()
        self.assertEqual(self.Call._cc_reconcile(self.server, set()), call)
        self.assertEqual(call.state, "ended")
        self.assertTrue(call.abandoned)
        self.assertTrue(call.callback_ticket_id)

    def test_reconcile_ends_calls_freeswitch_no_longer_has(self):
        call = self.apply(self.events[:2])[:1]
        self.assertEqual(call.state, "ringing")
        self.env.cr.execute(
            "UPDATE cc_call SET create_date = now() - interval '5 minutes' "
            "WHERE id = %s",
            [call.id],
        )
        call.invalidate_recordset()
        # Still live for FreeSWITCH: untouched.
        self.Call._cc_reconcile(self.server, {self.leg})
        self.assertEqual(call.state, "ringing")
        ended = self.Call._cc_reconcile(self.server, set())
        self.assertEqual(ended, call)
        self.assertEqual(call.state, "ended")
        self.assertEqual(call.hangup_cause, "LOST_WHILE_DISCONNECTED")
