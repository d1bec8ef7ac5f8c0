"""Events applied together, as the listener does in one transaction: the same
calls, agent states and cards as one by one, the records they name read once,
and the offered calls' screen-pops committed before the other events."""

import queue
import re
import uuid
from datetime import datetime
from unittest.mock import patch

from odoo.tests import tagged

from ..cli import cc_listener
from .common import TelephonyCase, as_trunk_call, customer_leg, recorded_events

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
OPEN = ("new", "in_progress", "waiting", "escalated")


def renamed(key):
    """Gives each Unique-ID a new one, derived from ``key``."""

    def rename(match):
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{key}/{match.group(0)}"))

    return rename


@tagged("post_install", "-at_install")
class TestEventBatches(TelephonyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.recorded = recorded_events("callcenter_plain")
        cls.events = as_trunk_call(cls.recorded)
        cls.leg = customer_leg(cls.events)

    def setUp(self):
        super().setUp()
        Presence = self.env["cc.presence.log"]
        Presence._cc_set_state(self.agent, "available")
        Presence._cc_set_state(self.agent_2, "available")

    def another_call(self, key, number="0501234567"):
        """The recorded call as call ``key`` from ``number``, and its caller's
        leg."""
        events = [
            {name: UUID.sub(renamed(key), value) for name, value in event.items()}
            for event in as_trunk_call(self.recorded, number)
        ]
        return events, customer_leg(events)

    def two_calls(self, key):
        """Two calls: from the caller, to Amal (1000), and from an unknown
        number, to Badr (1090); their events and callers' legs."""
        first, leg_a = self.another_call(f"{key}-a")
        second, leg_b = self.another_call(f"{key}-b", "0559876543")
        second = [
            dict(event, **{"CC-Agent": "1090@default"})
            if event.get("CC-Agent")
            else event
            for event in second
        ]
        return first, leg_a, second, leg_b

    def batch(self, events):
        return self.Call._cc_apply_events(self.server, events)

    def call(self, leg):
        return self.Call.search([("unique_id", "=", leg)])

    def _state(self, agent):
        return self.env["cc.presence.log"]._cc_current(agent)[agent.id].state

    def _messages(self, user):
        return [
            (message["call_id"], message["state"], bool(message.get("update")))
            for message in self.bus_messages(user)
        ]

    def test_a_batch_gives_what_one_by_one_gives(self):
        one_by_one, leg_a = self.another_call("a")
        together, leg_b = self.another_call("b")
        fields = [
            "state",
            "direction",
            "number",
            "number_e164",
            "partner_id",
            "queue_id",
            "service_type_id",
            "agent_id",
            "offered_agent_ids",
            "date_created",
            "date_queued",
            "date_offered",
            "date_answered",
            "date_ended",
            "wait",
            "talk",
            "hangup_cause",
            "abandoned",
        ]
        self.env.cr.precommit.run()
        self.env["bus.bus"].sudo().search([]).unlink()
        self.apply(one_by_one)
        call_a = self.call(leg_a)
        messages_a = self._messages(self.user_agent)
        self.assertEqual(self._state(self.agent), "available")
        self.env["bus.bus"].sudo().search([]).unlink()
        calls = self.batch(together)
        call_b = self.call(leg_b)
        self.assertEqual(len(calls), len(together))
        self.assertEqual(set().union(*(c.ids for c in calls)), set(call_b.ids))
        expected = call_a.read(fields)[0]
        got = call_b.read(fields)[0]
        del expected["id"], got["id"]
        self.assertEqual(got, expected)
        self.assertEqual(call_b.interaction_id.duration, 8)
        self.assertEqual(call_b.interaction_id.partner_id, self.caller)
        # The same cards and updates, in the same order.
        self.assertEqual(
            [(state, update) for _id, state, update in self._messages(self.user_agent)],
            [(state, update) for _id, state, update in messages_a],
        )
        # The agent's states: the same steps, by the phone system, each time.
        log = self.env["cc.presence.log"].search(
            [("agent_id", "=", self.agent.id)], order="id"
        )
        steps = [(entry.state, entry.origin) for entry in log]
        by_phone = [
            ("on_call", "telephony"),
            ("wrap_up", "telephony"),
            ("available", "telephony"),
        ]
        self.assertEqual(steps, [("available", "agent"), *by_phone, *by_phone])
        self.assertEqual(len(log.filtered(lambda entry: not entry.date_end)), 1)
        self.assertEqual(self.queue.waiting_count, 0)

    def test_direct_call_in_one_batch(self):
        """A caller put straight through to the agent's phone, and the hang-up,
        in one batch: the agent is available again."""
        create = next(
            e
            for e in self.events
            if e["Event-Name"] == "CHANNEL_CREATE" and e["Unique-ID"] == self.leg
        )
        agent_leg = {
            "Event-Name": "CHANNEL_CREATE",
            "Unique-ID": "7d3a0c1e-0000-4000-8000-000000000002",
            "Other-Leg-Unique-ID": self.leg,
            "Call-Direction": "outbound",
            "Caller-Context": "public",
            "variable_dialed_user": "1000",
            "Event-Date-Timestamp": create["Event-Date-Timestamp"],
        }
        bridge = dict(create, **{"Event-Name": "CHANNEL_BRIDGE"})
        hangup = next(
            e
            for e in self.events
            if e["Event-Name"] == "CHANNEL_HANGUP_COMPLETE"
            and e["Unique-ID"] == self.leg
        )
        self.batch([create, agent_leg, bridge, hangup])
        call = self.call(self.leg)
        self.assertEqual(call.state, "ended")
        self.assertEqual(call.agent_id, self.agent)
        self.assertEqual(call.interaction_id.duration, call.talk)
        log = self.env["cc.presence.log"].search(
            [("agent_id", "=", self.agent.id)], order="id"
        )
        self.assertEqual(log.mapped("state"), ["available", "on_call", "available"])

    def test_duplicates_in_a_batch_never_double_anything(self):
        self.batch([event for event in self.events for _twice in (1, 2)])
        self.batch(list(reversed(self.events)))
        call = self.call(self.leg)
        self.assertEqual(len(call), 1)
        self.assertEqual(call.state, "ended")
        self.assertEqual(call.offered_agent_ids, self.agent)
        self.assertEqual(
            self.env["cc.interaction"].search_count(
                [("source_key", "=", f"cc.call:{self.leg}")]
            ),
            1,
        )
        self.assertEqual(call.interaction_id.duration, 8)

    def test_the_records_of_a_batch_are_read_once(self):
        def queries(count):
            events = []
            for n in range(count):
                events += self.another_call(f"q{count}-{n}", f"05012345{n:02d}")[0]
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            self.batch(events)
            self.env.flush_all()
            return self.env.cr.sql_log_count - before

        one, three = queries(1), queries(3)
        # Three calls in a batch cost much less than three batches of one.
        self.assertLess(three, 2 * one)

    def test_cards_of_a_batch(self):
        """Calls offered to two agents at once: each agent gets the card of
        the call offered to them, whole, with the caller's open requests and
        last contacts, read together."""
        ticket = self._ticket(partner_id=self.caller.id, subject="Router broken")
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
        offer = self._offer_index()
        first, leg_a, second, leg_b = self.two_calls("pop")
        self.env.cr.precommit.run()
        self.env["bus.bus"].sudo().search([]).unlink()
        self.batch(first[: offer + 1] + second[: offer + 1])
        call_a, call_b = self.call(leg_a), self.call(leg_b)
        self.assertEqual(call_a.agent_id, self.agent)
        self.assertEqual(call_b.agent_id, self.agent_2)
        amal, badr = (
            self.bus_messages(self.user_agent),
            self.bus_messages(self.user_agent_2),
        )
        self.assertEqual([card["call_id"] for card in amal], call_a.ids)
        self.assertEqual([card["call_id"] for card in badr], call_b.ids)
        card = amal[0]
        self.assertEqual(card["state"], "offering")
        self.assertEqual(
            card["partner"], {"id": self.caller.id, "name": self.caller.name}
        )
        self.assertEqual([t["id"] for t in card["tickets"]], ticket.ids)
        self.assertEqual(len(card["last_contacts"]), 1)
        self.assertEqual(card["queue"], "Support")
        self.assertFalse(badr[0]["partner"])
        self.assertEqual(badr[0]["number_e164"], "+966559876543")
        # The card, as a tab opened later reads it.
        expected = call_a._cc_pop_payload()
        self.assertEqual(
            {key: value for key, value in card.items() if key != "wait"},
            {key: value for key, value in expected.items() if key != "wait"},
        )

    def _offer_index(self):
        return next(
            i
            for i, e in enumerate(self.events)
            if e.get("CC-Action") == "agent-offering"
        )

    def _clear_bus(self):
        self.env.cr.precommit.run()
        self.env["bus.bus"].sudo().search([]).unlink()

    def test_cards_sent_ahead(self):
        """Two callers waiting in the queue offered at once: their cards go
        ahead of the offers (written together, Odoo's websocket servers told
        once committed), whole and as the offers would push them; the offers
        then push none again."""
        self._ticket(partner_id=self.caller.id, subject="Router broken")
        offer = self._offer_index()
        first, leg_a, second, leg_b = self.two_calls("ahead")
        self.batch(first[:offer] + second[:offer])
        call_a, call_b = self.call(leg_a), self.call(leg_b)
        self.assertEqual((call_a.state, call_b.state), ("queued", "queued"))
        self._clear_bus()
        offers = [first[offer], second[offer]]
        # Only what follows runs after the commit below (what the set-up
        # left there would reach for FreeSWITCH).
        self.env.cr.postcommit.clear()
        told = []
        popped = self.Call._cc_pop_ahead(self.server, offers, told.append)
        self.assertEqual(popped, {(leg_a, self.agent.id), (leg_b, self.agent_2.id)})
        amal, badr = (
            self.bus_messages(self.user_agent),
            self.bus_messages(self.user_agent_2),
        )
        self.assertEqual(
            [(c["call_id"], c["state"]) for c in amal], [(call_a.id, "offering")]
        )
        self.assertEqual(
            [(c["call_id"], c["state"]) for c in badr], [(call_b.id, "offering")]
        )
        # Odoo's websocket servers are told once it is committed, of both
        # agents' channels, once.
        self.assertEqual(told, [])
        self.env.cr.postcommit.run()
        dbname = self.env.cr.dbname
        self.assertEqual(
            told,
            [
                [
                    (dbname, "res.partner", self.user_agent.partner_id.id),
                    (dbname, "res.partner", self.user_agent_2.partner_id.id),
                ]
            ],
        )
        # The rows are those bus.bus writes: Odoo's websockets read them.
        channel = (dbname, "res.partner", self.user_agent.partner_id.id)
        polled = self.env["bus.bus"]._poll([channel], 0)
        self.assertEqual([n["message"]["payload"] for n in polled], amal)
        self.assertEqual(polled[0]["message"]["type"], "cc_telephony/call")
        # The offers applied: recorded, no card again.
        self.Call._cc_apply_events(self.server, offers, popped=popped)
        self.assertEqual((call_a.state, call_a.agent_id), ("offering", self.agent))
        self.assertEqual((call_b.state, call_b.agent_id), ("offering", self.agent_2))
        self.assertEqual(call_a.offered_agent_ids, self.agent)
        self.assertEqual(self.bus_messages(self.user_agent), amal)
        self.assertEqual(self.bus_messages(self.user_agent_2), badr)
        # The card is the one the offer pushes (and a tab opened later reads).
        for card, call in ((amal[0], call_a), (badr[0], call_b)):
            expected = call._cc_pop_payload()
            self.assertEqual(
                {key: value for key, value in card.items() if key != "wait"},
                {key: value for key, value in expected.items() if key != "wait"},
            )
        self.assertEqual([t["subject"] for t in amal[0]["tickets"]], ["Router broken"])
        self.assertEqual(amal[0]["number"], "+966 50 123 4567")
        self.assertFalse(badr[0]["partner"])
        # The rest of the call: as without the card sent ahead.
        self.batch(first[offer + 1 :])
        self.assertEqual(call_a.state, "ended")
        self.assertEqual(self.bus_messages(self.user_agent)[-1]["state"], "ended")

    def test_what_is_not_sent_ahead(self):
        """A call recorded in the same events as its offer, one already
        answered, an agent Odoo does not know: their offers push their cards
        as they are applied (as before), nothing goes ahead."""
        offer = self._offer_index()
        self._clear_bus()
        # Recorded with its offer (the call is not in the database yet).
        self.assertEqual(
            self.Call._cc_pop_ahead(self.server, self.events[: offer + 1]), set()
        )
        self.assertEqual(self.bus_messages(self.user_agent), [])
        self.batch(self.events[: offer + 1])
        self.assertEqual(
            [c["state"] for c in self.bus_messages(self.user_agent)], ["offering"]
        )
        # Answered: a late offer is not a screen-pop.
        bridge = next(
            i
            for i, e in enumerate(self.events)
            if e.get("CC-Action") == "bridge-agent-start"
        )
        self.batch(self.events[offer + 1 : bridge + 1])
        self.assertEqual(self.call(self.leg).state, "talking")
        self._clear_bus()
        late = dict(self.events[offer], **{"CC-Agent": "1090@default"})
        self.assertEqual(self.Call._cc_pop_ahead(self.server, [late]), set())
        # Waiting, but offered to an agent Odoo does not know.
        events, leg = self.another_call("ahead-unknown")
        self.batch(events[:offer])
        unknown = dict(events[offer], **{"CC-Agent": "1999@default"})
        self.assertEqual(self.Call._cc_pop_ahead(self.server, [unknown]), set())
        # Waiting, but the offer changes its service type (the voice menu's
        # choice told only now): its card waits for it.
        self.assertEqual(self.call(leg).service_type_id, self.service_agent)
        chosen = dict(events[offer], variable_cc_service_type="T_CONTRACT")
        self.assertEqual(self.Call._cc_pop_ahead(self.server, [chosen]), set())
        self.assertEqual(self.bus_messages(self.user_agent), [])
        self.assertEqual(self.bus_messages(self.user_agent_2), [])

    def test_another_agent_taking_the_call_in_the_same_batch(self):
        offer = next(
            i
            for i, e in enumerate(self.events)
            if e.get("CC-Action") == "agent-offering"
        )
        offer_badr = dict(self.events[offer], **{"CC-Agent": "1090@default"})
        self.env.cr.precommit.run()
        self.env["bus.bus"].sudo().search([]).unlink()
        self.batch(self.events[: offer + 1] + [offer_badr] + self.events[offer + 1 :])
        call = self.call(self.leg)
        self.assertEqual(call.agent_id, self.agent)
        self.assertEqual(call.offered_agent_ids, self.agent | self.agent_2)
        badr = self.bus_messages(self.user_agent_2)
        self.assertEqual(badr[0]["state"], "offering")
        self.assertEqual(badr[-1], {"call_id": call.id, "state": "gone"})
        self.assertEqual(self.bus_messages(self.user_agent)[-1]["state"], "ended")

    def test_customer_history_together_as_alone(self):
        Partner, Ticket = self.env["res.partner"], self.env["cc.ticket"]
        company = Partner.create({"name": "Qahtani Trading", "is_company": True})
        branch = Partner.create(
            {"name": "Qahtani Jeddah", "is_company": True, "parent_id": company.id}
        )
        sami = Partner.create({"name": "Sami", "parent_id": company.id})
        hala = Partner.create({"name": "Hala", "parent_id": branch.id})
        gone = Partner.create({"name": "Former", "parent_id": company.id})
        lone = Partner.create({"name": "Lone caller"})
        for n, partner in enumerate([company, sami, hala, gone] * 6 + [branch, lone]):
            self._ticket(partner_id=partner.id, subject=f"Request {n}")
        self._ticket(partner_id=sami.id, subject="Done", stage="resolved")
        gone.active = False
        # More than a search for all of them takes at once (5 each).
        for n in range(30):
            self.env["cc.interaction"]._record(
                [
                    {
                        "agent_id": (self.agent, self.agent_2)[n % 2].id,
                        "partner_id": (sami, hala, lone)[n % 3].id,
                        "channel": "email",
                        "date_start": datetime(2026, 11, 1 + n, 9, 0),
                        "source_key": f"test:history:{n}",
                    }
                ]
            )
        partners = sami | hala | lone | branch | self.caller
        history = self.Call._cc_customer_history(partners)
        for partner in partners:
            with self.subTest(partner=partner.name):
                tickets = Ticket.search(
                    [
                        ("partner_id", "child_of", partner.commercial_partner_id.id),
                        ("stage", "in", OPEN),
                    ],
                    limit=5,
                )
                contacts = self.env["cc.interaction"].search(
                    [("partner_id", "=", partner.id), ("state", "=", "valid")],
                    limit=5,
                )
                self.assertEqual(
                    [t["id"] for t in history[partner.id]["tickets"]], tickets.ids
                )
                self.assertEqual(
                    [c["date"] for c in history[partner.id]["last_contacts"]],
                    [str(c.date_start) for c in contacts],
                )
        self.assertEqual(history[False], {"tickets": [], "last_contacts": []})

    def test_callers_found_together_as_alone(self):
        Partner = self.env["res.partner"]
        switchboard = "+966112220000"
        company = Partner.create(
            {"name": "Big Co", "is_company": True, "phone": switchboard}
        )
        for n in range(12):
            Partner.create(
                {"name": f"Big Co {n}", "parent_id": company.id, "phone": switchboard}
            )
        numbers = [switchboard, "+966501234567", "+966112345678", "+966509999999"]
        found = Partner._cc_find_by_numbers(numbers + [False])
        for number in numbers:
            with self.subTest(number=number):
                self.assertEqual(
                    found.get(number, Partner), Partner._cc_find_by_number(number)[:1]
                )
        self.assertEqual(found["+966501234567"], self.caller)
        self.assertNotIn("+966509999999", found)


@tagged("post_install", "-at_install")
class TestListenerBatches(TelephonyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.events = as_trunk_call(recorded_events("callcenter_plain"))

    def test_offered_calls_first(self):
        offer = next(
            i
            for i, e in enumerate(self.events)
            if e.get("CC-Action") == "agent-offering"
        )
        leg = customer_leg(self.events)
        other = {"Event-Name": "CHANNEL_HANGUP_COMPLETE", "Unique-ID": "elsewhere"}
        batch = [other, *self.events[: offer + 3]]
        pops, rest = cc_listener.NodeWorker._offered_first(batch)
        # The caller's leg and its queue's events up to the offer...
        self.assertEqual(
            pops,
            [
                e
                for e in batch[: offer + 2]
                if e.get("Unique-ID") == leg
                and e["Event-Name"] != "CUSTOM"
                or e.get("CC-Member-Session-UUID") == leg
            ],
        )
        self.assertEqual(pops[-1].get("CC-Action"), "agent-offering")
        # ... the others after, in their order.
        self.assertEqual(rest, [e for e in batch if e not in pops])
        self.assertIs(rest[0], other)
        self.assertEqual(
            cc_listener.NodeWorker._offered_first(rest[1:]), ([], rest[1:])
        )

    def test_the_pops_are_committed_first(self):
        worker = cc_listener.NodeWorker(self.registry, self.server.id)
        applied = []
        worker._pop_ahead = lambda events: applied.append(("ahead", events)) or {
            ("leg", 1)
        }
        worker.apply = lambda events, popped=None: applied.append((events, popped))
        offer = next(
            i
            for i, e in enumerate(self.events)
            if e.get("CC-Action") == "agent-offering"
        )
        for event in self.events:
            worker.events.put(event)
        worker._drain(timeout=0.5)
        pops, rest = cc_listener.NodeWorker._offered_first(self.events)
        # The cards ahead, then the offers (knowing which went ahead), then
        # the rest.
        self.assertEqual(applied, [("ahead", pops), (pops, {("leg", 1)}), (rest, None)])
        self.assertLessEqual(len(pops), offer + 1)
        self.assertRaises(queue.Empty, worker.events.get_nowait)

    def test_the_websockets_deliver_the_cards_first(self):
        """Cards sent ahead: the worker waits while Odoo's websocket server
        delivers them (so long a card, at most YIELD_MAX) before recording
        the offers, unless another call is offered meanwhile."""
        worker = cc_listener.NodeWorker(self.registry, self.server.id)
        waits = []
        worker.offered.wait = waits.append
        worker._leave_to_websockets(10)
        self.assertEqual(waits, [10 * cc_listener.YIELD_PER_CARD])
        worker._leave_to_websockets(100000)
        self.assertEqual(waits[-1], cc_listener.YIELD_MAX)
        # Another call offered, not taken yet: the offers are recorded at
        # once (and that call's card is sent ahead next).
        offer = next(e for e in self.events if e.get("CC-Action") == "agent-offering")
        worker._received(offer)
        self.assertTrue(worker.offered.is_set())
        worker._leave_to_websockets(10)
        self.assertEqual(len(waits), 2)
        # Taken: the next cards are waited for again.
        order = []
        worker._pop_ahead = lambda events: order.append("ahead") or {("leg", 1)}
        worker.apply = lambda events, popped=None: order.append("apply")
        worker.offered.wait = lambda timeout: order.append(("wait", timeout))
        worker._drain(timeout=0)
        self.assertEqual(worker.offers_taken, 1)
        self.assertEqual(
            order, ["ahead", ("wait", cc_listener.YIELD_PER_CARD), "apply"]
        )
        # Nothing sent ahead: nothing waited for.
        order.clear()
        worker._pop_ahead = lambda events: set()
        worker._received(offer)
        worker._drain(timeout=0)
        self.assertEqual(order, ["apply"])

    def test_cards_not_sent_ahead_go_with_the_offers(self):
        """Sending the cards ahead failed (the database away, or anything
        else): nothing went ahead, the offers push their cards."""
        import psycopg2

        worker = cc_listener.NodeWorker(self.registry, self.server.id)
        offers = [e for e in self.events if e.get("CC-Action") == "agent-offering"]
        away = psycopg2.OperationalError("server closed the connection unexpectedly")
        with patch.object(type(self.registry), "cursor", side_effect=away):
            with self.assertNoLogs(cc_listener._logger.name, "WARNING"):
                self.assertEqual(worker._pop_ahead(offers), set())
        with patch.object(type(self.Call), "_cc_pop_ahead", side_effect=KeyError("x")):
            with self.assertLogs(cc_listener._logger.name, "ERROR") as logs:
                self.assertEqual(worker._pop_ahead(offers), set())
        self.assertIn("could not be sent ahead", logs.output[0])
