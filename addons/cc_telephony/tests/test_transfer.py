"""Transferred calls, from real FreeSWITCH 1.10 traffic
(fixtures/esl/callcenter_transfer_*.raw.txt): a queue call answered by agent
1000@default, then

- callcenter_transfer_plain: put through to agent 1001's phone (uuid_transfer
  of the agent's leg's partner to extension 1001, as a blind transfer from
  the agent's phone or from Odoo does);
- callcenter_transfer_queue_plain: sent to the queue billing@default, where
  agent 1001 answers.

mod_callcenter takes the transfer for the end of its part: member-queue-end
(CC-Cause Terminated) while the caller still talks, and nothing of agent 1001
in the first case. In the recordings each agent's phone is a loopback channel
("phone_1001"); on a real node the extension bridges user/1001, whose leg's
destination is 1001: the tests give it so (recorded_transfer)."""

from datetime import datetime

from odoo.tests import tagged

from .common import TelephonyCase, as_trunk_call, customer_leg, recording_events


def recorded_transfer(name, first="1000", second="1090"):
    """The transfer recording ``name`` as a call from the trunk, its agents
    1000@default and 1001@default those of extensions ``first`` and
    ``second``, their phones' legs named by those extensions (see the
    module's docstring)."""
    agents = {"1000@default": f"{first}@default", "1001@default": f"{second}@default"}
    phones = {"phone_1000": first, "phone_1001": second}
    events = as_trunk_call(recording_events(name))
    return [
        {
            key: phones.get(value, value)
            if key == "Caller-Destination-Number"
            else agents.get(value, value)
            for key, value in event.items()
        }
        for event in events
    ]


@tagged("post_install", "-at_install")
class TestTransfer(TelephonyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.billing = cls.env["cc.queue"].create(
            {
                "name": "billing@default",
                "label": "Billing",
                "server_id": cls.server.id,
                "agent_ids": [(6, 0, cls.agent_2.ids)],
            }
        )
        cls.blind = recorded_transfer("callcenter_transfer_plain")
        cls.to_queue = recorded_transfer("callcenter_transfer_queue_plain")

    def setUp(self):
        super().setUp()
        Presence = self.env["cc.presence.log"]
        Presence._cc_set_state(self.agent, "available")
        Presence._cc_set_state(self.agent_2, "available")
        self.env.cr.precommit.run()
        self.env["bus.bus"].sudo().search([]).unlink()

    def _state(self, agent):
        return self.env["cc.presence.log"]._cc_current(agent)[agent.id].state

    def contacts(self, call):
        return self.env["cc.interaction"].search(
            [("source_model", "=", "cc.call"), ("source_id", "=", call.id)],
            order="date_start, id",
        )

    def test_blind_transfer_to_another_agent(self):
        calls = self.apply(self.blind)
        call = self.Call.search([("server_id", "=", self.server.id)])
        self.assertEqual(len(call), 1)
        self.assertEqual(call.unique_id, customer_leg(self.blind))
        self.assertEqual(calls.filtered("id"), call)
        self.assertEqual(call.state, "ended")
        self.assertEqual(call.partner_id, self.caller)
        self.assertEqual(call.queue_id, self.queue)
        self.assertFalse(call.abandoned)
        # The call is the second agent's now; the first answered it.
        self.assertEqual(call.agent_id, self.agent_2)
        self.assertEqual(call.offered_agent_ids, self.agent | self.agent_2)
        self.assertTrue(call.transferred)
        transfer = call.transfer_ids
        self.assertEqual(len(transfer), 1)
        self.assertEqual(transfer.state, "answered")
        self.assertEqual(transfer.from_agent_id, self.agent)
        self.assertEqual(transfer.from_queue_id, self.queue)
        self.assertFalse(transfer.to_queue_id)
        self.assertEqual(transfer.to_agent_id, self.agent_2)
        # The recording's times (2026-11-29 18:20 UTC): answered at :22,
        # transferred at :25, the caller hangs up at :28.
        self.assertEqual(call.date_answered, datetime(2026, 11, 29, 18, 20, 42))
        self.assertEqual(transfer.date, datetime(2026, 11, 29, 18, 20, 45))
        self.assertEqual(transfer.date_answered, datetime(2026, 11, 29, 18, 20, 45))
        self.assertEqual(call.date_ended, datetime(2026, 11, 29, 18, 20, 48))
        self.assertEqual(call.talk, 6)
        # A handled contact each, for each one's part.
        first, second = self.contacts(call)
        self.assertEqual(call.interaction_id, first)
        self.assertEqual(transfer.interaction_id, second)
        self.assertEqual((first.agent_id, first.duration), (self.agent, 3))
        self.assertEqual((second.agent_id, second.duration), (self.agent_2, 3))
        self.assertEqual(first.channel, second.channel)
        # Both are back to work: mod_callcenter says so of the first; the
        # second took the call outside the queue and is put back by Odoo.
        self.assertEqual(self._state(self.agent), "available")
        self.assertEqual(self._state(self.agent_2), "available")

    def test_blind_transfer_pops_and_closes_the_cards(self):
        self.apply(self.blind)
        call = self.Call.search([("server_id", "=", self.server.id)])
        first = [
            p for p in self.bus_messages(self.user_agent) if p["call_id"] == call.id
        ]
        second = [
            p for p in self.bus_messages(self.user_agent_2) if p["call_id"] == call.id
        ]
        # The first agent's card comes, then goes once the other took over.
        self.assertEqual(first[0]["state"], "offering")
        self.assertIn("talking", [p["state"] for p in first])
        self.assertEqual(first[-1]["state"], "gone")
        # The second agent's phone rings with the caller's card, whole.
        self.assertEqual(second[0]["state"], "offering")
        self.assertEqual(
            second[0]["partner"], {"id": self.caller.id, "name": self.caller.name}
        )
        self.assertEqual(second[0]["number"], "+966 50 123 4567")
        self.assertEqual([p["state"] for p in second[1:]], ["talking", "ended"])

    def test_the_call_is_the_first_agents_until_the_other_answers(self):
        end = next(
            i
            for i, e in enumerate(self.blind)
            if e.get("CC-Action") == "member-queue-end"
        )
        self.apply(self.blind[: end + 1])
        call = self.Call.search([("server_id", "=", self.server.id)])
        # mod_callcenter's end of its part is not the call's end.
        self.assertEqual(call.state, "talking")
        self.assertFalse(call.date_ended)
        self.assertEqual(call.agent_id, self.agent)
        self.assertEqual(call.transfer_ids.state, "pending")
        self.assertEqual(call.transfer_ids.from_agent_id, self.agent)

    def test_transfer_told_twice_changes_nothing(self):
        self.apply(self.blind)
        call = self.Call.search([("server_id", "=", self.server.id)])
        fields = ["state", "agent_id", "date_answered", "date_ended", "talk"]
        before = call.read(fields)
        transfer_before = call.transfer_ids.read(
            ["state", "from_agent_id", "to_agent_id", "date", "date_answered"]
        )
        self.apply(self.blind)
        self.apply([event for event in self.blind for _twice in (1, 2)])
        self.assertEqual(call.read(fields), before)
        self.assertEqual(
            call.transfer_ids.read(
                ["state", "from_agent_id", "to_agent_id", "date", "date_answered"]
            ),
            transfer_before,
        )
        self.assertEqual(len(self.contacts(call)), 2)

    def test_caller_hangs_up_while_the_other_agents_phone_rings(self):
        leg = customer_leg(self.blind)
        # The caller's last bridge: to the second agent's phone.
        answered = max(
            i
            for i, e in enumerate(self.blind)
            if e["Event-Name"] == "CHANNEL_BRIDGE" and e["Unique-ID"] == leg
        )
        hangup = next(
            e
            for e in self.blind
            if e["Event-Name"] == "CHANNEL_HANGUP_COMPLETE" and e["Unique-ID"] == leg
        )
        self.apply(self.blind[:answered] + [hangup])
        call = self.Call.search([("server_id", "=", self.server.id)])
        self.assertEqual(call.state, "ended")
        self.assertEqual(call.agent_id, self.agent)
        self.assertEqual(call.transfer_ids.state, "lost")
        self.assertEqual(call.transfer_ids.to_agent_id, self.agent_2)
        # Only the first agent talked with the caller.
        self.assertEqual(self.contacts(call).agent_id, self.agent)

    def test_colleague_does_not_answer(self):
        """The colleague's phone rings out: their card goes, the caller waits
        to be put through again (the dialplan sends them back to the queue)."""
        leg = customer_leg(self.blind)
        answered = max(
            i
            for i, e in enumerate(self.blind)
            if e["Event-Name"] == "CHANNEL_BRIDGE" and e["Unique-ID"] == leg
        )
        phone = self.blind[answered]["Other-Leg-Unique-ID"]
        rang_out = dict(
            next(
                e
                for e in self.blind
                if e["Event-Name"] == "CHANNEL_HANGUP_COMPLETE"
                and e["Unique-ID"] == phone
            ),
            **{"Hangup-Cause": "NO_ANSWER", "Caller-Channel-Answered-Time": "0"},
        )
        self.apply(self.blind[:answered] + [rang_out])
        call = self.Call.search([("server_id", "=", self.server.id)])
        self.assertEqual(call.state, "talking")
        self.assertEqual(call.agent_id, self.agent)
        transfer = call.transfer_ids
        self.assertEqual(transfer.state, "pending")
        self.assertFalse(transfer.to_agent_id)
        second = [
            p["state"]
            for p in self.bus_messages(self.user_agent_2)
            if p["call_id"] == call.id
        ]
        self.assertEqual(second, ["offering", "gone"])

    def test_transfer_to_another_queue(self):
        support_end = next(
            i
            for i, e in enumerate(self.to_queue)
            if e.get("CC-Action") == "member-queue-end"
            and e.get("CC-Queue") == "support@default"
        )
        self.apply(self.to_queue[: support_end + 1])
        call = self.Call.search([("server_id", "=", self.server.id)])
        # Sent to billing: support's end (told late, with the channel's
        # variables already billing's) does not end the call.
        self.assertEqual(call.state, "talking")
        self.assertEqual(call.transfer_ids.to_queue_id, self.billing)
        self.assertEqual(call.transfer_ids.to_agent_id, self.agent_2)
        self.assertEqual(call.transfer_ids.state, "pending")
        self.apply(self.to_queue[support_end + 1 :])
        self.assertEqual(call.state, "ended")
        self.assertEqual(call.queue_id, self.queue)  # where the caller called
        self.assertEqual(call.agent_id, self.agent_2)
        transfer = call.transfer_ids
        self.assertEqual(transfer.state, "answered")
        self.assertEqual(transfer.from_agent_id, self.agent)
        self.assertEqual(transfer.from_queue_id, self.queue)
        self.assertEqual(transfer.to_queue_id, self.billing)
        first, second = self.contacts(call)
        self.assertEqual(first.agent_id, self.agent)
        self.assertEqual(second.agent_id, self.agent_2)
        self.assertEqual(second, transfer.interaction_id)
        # Each one's part (the caller's time in billing, if any, is neither's).
        self.assertEqual(
            first.duration, (transfer.date - call.date_answered).total_seconds()
        )
        self.assertEqual(
            second.duration, (call.date_ended - transfer.date_answered).total_seconds()
        )
        self.assertEqual(
            (first.duration, second.duration, call.talk),
            (2, 3, 5),
        )
        self.assertEqual(self.billing.waiting_count, 0)
        self.assertEqual(self.queue.waiting_count, 0)

    def test_access_of_both_agents(self):
        self.apply(self.blind)
        call = self.Call.search([("server_id", "=", self.server.id)])
        for user in (self.user_agent, self.user_agent_2):
            with self.subTest(user=user.name):
                self.assertEqual(self.Call.with_user(user).search([]), call)
                self.assertEqual(
                    self.env["cc.call.transfer"].with_user(user).search([]),
                    call.transfer_ids,
                )

    def test_left_by_transfer_reads_the_transfer_history(self):
        left = self.Call._cc_left_by_transfer
        base = {"CC-Cause": "Terminated", "CC-Agent-UUID": "agent-leg"}
        bridged = "1795976442:a:uuid_br:agent-leg"
        # The call's own end: only mod_callcenter's bridge to the agent.
        self.assertFalse(left(dict(base, variable_transfer_history=bridged)))
        # A voice menu's transfer before the queue is not the agent's.
        self.assertFalse(
            left(
                dict(
                    base,
                    variable_transfer_history=f"ARRAY::1795976400:b:bl_xfer:7000"
                    f"/default/XML|:{bridged}",
                )
            )
        )
        self.assertTrue(
            left(
                dict(
                    base,
                    variable_transfer_history=f"ARRAY::{bridged}|:1795976445:c:"
                    "bl_xfer:1001/default/XML",
                )
            )
        )
        # A caller who gave up is not transferred.
        self.assertFalse(
            left(
                dict(
                    base,
                    **{"CC-Cause": "Cancel"},
                    variable_transfer_history=f"ARRAY::{bridged}|:1795976445:c:"
                    "bl_xfer:1001/default/XML",
                )
            )
        )
