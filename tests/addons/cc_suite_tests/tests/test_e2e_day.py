"""A day in the call centre, end to end, on the test run's Odoo and
PostgreSQL: FreeSWITCH traffic replayed over a real socket into the listener,
the agents' screen-pops over Odoo's websocket, requests from calls and from
e-mail (one resolved by its agent, one escalated and resolved by a
department), the day's quotas, then November's payroll, its xlsx register and
its WPS file. Every figure at the end is what the replayed day implies.

The day is the one of the recording: Sunday 29 November 2026 (a working day),
its call made into four calls of the morning:

- 11:39 Riyadh, Nora calls, Amal answers (the call as recorded);
- 11:49, a caller from 0559876543 is answered by Badr;
- 11:59, Karim calls, Amal answers;
- 12:09, a caller from 0561234567 hangs up while Badr's phone rings: the
  call is abandoned and becomes a callback;
- 12:19, Nora calls again, Amal answers and puts her through to Badr (the
  recorded blind transfer, fixtures/esl/callcenter_transfer_plain: Amal's
  3 s, then Badr's 3 s): a handled contact for each of them.
"""

import base64
import io
import json
import re
import uuid
from datetime import date, datetime

import openpyxl

from odoo import Command
from odoo.tests import freeze_time, tagged
from odoo.tools import mute_logger

from odoo.addons.bus.tests.common import WebsocketCase
from odoo.addons.cc_payroll.tests.common import PayrollFixture
from odoo.addons.cc_payroll.tests.test_register import HEADERS
from odoo.addons.cc_payroll.tests.test_wps import DEBIT_IBAN, IBAN_AMAL, IBAN_BADR
from odoo.addons.cc_telephony.cli import cc_listener
from odoo.addons.cc_telephony.tests.common import (
    PASSWORD,
    TelephonyFixture,
    as_trunk_call,
    customer_leg,
    recorded_events,
    recording,
)
from odoo.addons.cc_telephony.tests.esl_replay import Chunk, ReplayServer
from odoo.addons.cc_telephony.tests.test_esl import plain_event
from odoo.addons.cc_telephony.tests.test_listener import (
    SUBSCRIBE,
    VERSION,
    api_response,
    channels_json,
    members_chunks,
)
from odoo.addons.cc_telephony.tests.test_transfer import recorded_transfer

LISTENER_LOGGER = "odoo.addons.cc_telephony.cli.cc_listener"
ESL_LOGGER = "odoo.addons.cc_telephony.tools.esl"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# The recorded agent, 1000@default, wherever it is named.
RECORDED_AGENT = re.compile(r"(?<![0-9])1000(?![0-9])")
DAY = date(2026, 11, 29)
NOVEMBER = (date(2026, 11, 1), date(2026, 11, 30))
# The day is over at midnight in Riyadh (21:00 UTC); the payroll is run on
# the 30th, when the 29th is the last day to close.
AFTER_THE_DAY = datetime(2026, 11, 29, 21, 30)
AFTER_THE_CALLS = datetime(2026, 11, 29, 12, 0)
PAYROLL_DAY = datetime(2026, 11, 30, 9, 0)
EMAIL = """From: Karim <karim@example.com>
To: contract-change@e2e.example.com
Subject: Please put the contract in my wife's name
Message-ID: <e2e-contract-change@example.com>
Date: Sun, 29 Nov 2026 14:00:00 +0300
MIME-Version: 1.0
Content-Type: text/plain; charset="utf-8"

Her ID copy is attached.
"""
# GOSI for a Saudi insured before July 2024 (Amal, since 2019): the employee
# pays 9 % pension + 0.75 % SANED, the employer 9 % + 0.75 % + 2 % hazards;
# for a non-Saudi (Badr) the employer pays hazards only: 2 %. On basic +
# housing, within the floor (1,500) and the ceiling (45,000).
GOSI_EE_SAUDI = 0.0975
GOSI_ER_SAUDI = 0.1175
GOSI_ER_OTHER = 0.02


def is_time(name, value):
    return (
        (name.endswith("-Time") or name.endswith("Timestamp"))
        and value.isdigit()
        and int(value) > 0
    )


def made_call(recorded, key, number, extension, later):
    """The recorded call as call ``key``: the caller ``number`` from the
    trunk, the agent ``extension``, its own Unique-IDs and ``later`` seconds
    later (as tests/benchmarks/benchmark_telephony.py writes it)."""
    return moved(as_trunk_call(recorded, number), key, later, extension)


def moved(events, key, later, extension=None):
    """``events`` (a call from the trunk) as call ``key``: its own Unique-IDs,
    ``later`` seconds later, the recorded agent 1000 that of ``extension``
    (if given)."""

    def rename(match):
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{key}/{match.group(0)}"))

    recorded, events = events, []
    for event in recorded:
        # mod_callcenter's originate job of the recording session is no part
        # of a customer's call.
        if event["Event-Name"] == "BACKGROUND_JOB":
            continue
        shifted = {}
        for name, value in event.items():
            if is_time(name, value):
                # Microseconds (16 digits) or seconds (10).
                value = str(int(value) + later * (10**6 if len(value) > 12 else 1))
            else:
                if extension:
                    value = RECORDED_AGENT.sub(extension, value)
                value = UUID.sub(rename, value)
            shifted[name] = value
        events.append(shifted)
    return events


def collapsed(states):
    """``states`` without repeats in a row."""
    return [state for n, state in enumerate(states) if not n or state != states[n - 1]]


def abandoned(events):
    """The caller hangs up while the agent's phone rings (as the wait board's
    replayed morning does): the events up to the offer, the agent's phone
    failing, the queue's end with cause Cancel."""
    offer = next(
        i for i, e in enumerate(events) if e.get("CC-Action") == "agent-offering"
    )
    end = dict(next(e for e in events if e.get("CC-Action") == "member-queue-end"))
    end["CC-Cause"] = "Cancel"
    end.pop("CC-Agent", None)
    fail = dict(events[offer], **{"CC-Action": "bridge-agent-fail"})
    return events[: offer + 1] + [fail, end]


@tagged("post_install", "-at_install")
class TestEndToEndDay(TelephonyFixture, PayrollFixture, WebsocketCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_call_center()
        cls._setup_telephony()
        cls._setup_payroll()
        cls._setup_wps()
        cls.recorded = recorded_events("callcenter_plain")
        # Karim (of the ticket fixture) calls too; his mobile is +966551234567.
        cls.calls_of_the_day = {
            "nora": made_call(cls.recorded, "nora", "0501234567", "1000", 0),
            "unknown": made_call(cls.recorded, "unknown", "0559876543", "1090", 600),
            "karim": made_call(cls.recorded, "karim", "0551234567", "1000", 1200),
            "gave_up": abandoned(
                made_call(cls.recorded, "gave_up", "0561234567", "1090", 1800)
            ),
            # Amal (1000) puts Nora through to Badr (1090), 40 minutes after
            # her first call.
            "transferred": cls.transferred_call(2400),
        }
        cls.contract_amal = cls._make_contract(
            cls.agent,
            date_start=DAY,
            cc_pay_scheme="mixed",
            wage=4000,
            cc_housing_allowance=1000,
            cc_daily_minimum=2,
            cc_quota_bonus=2.5,
            cc_rate_ids=[
                Command.create({"channel": "inbound_call", "rate": 6}),
                Command.create({"channel": "ticket", "rate": 5}),
            ],
        )
        cls.contract_badr = cls._make_contract(
            cls.agent_2,
            date_start=DAY,
            cc_pay_scheme="mixed",
            wage=2000,
            cc_daily_minimum=4,
            cc_missed_minimum="deduct",
            cc_missed_day_deduction=40,
            cc_rate_ids=[
                Command.create({"channel": "inbound_call", "rate": 6}),
                Command.create({"channel": "ticket", "rate": 5}),
            ],
        )

    @classmethod
    def transferred_call(cls, later):
        """The recorded blind transfer (Nora's number), starting ``later``
        seconds after the first call of the day."""
        events = [
            event
            for event in recorded_transfer("callcenter_transfer_plain", "1000", "1090")
            if event["Event-Name"] != "BACKGROUND_JOB"
        ]
        start = int(events[0]["Event-Date-Timestamp"]) // 10**6
        first = int(cls.recorded[0]["Event-Date-Timestamp"]) // 10**6
        return moved(events, "transferred", first + later - start)

    @classmethod
    def _setup_wps(cls):
        """The company's WPS settings and the agents' IDs and IBANs (as
        cc_payroll's tests/test_wps.py sets them)."""
        sar = cls.env.ref("base.SAR")
        sar.active = True
        cls.env.company.write(
            {
                "currency_id": sar.id,
                "cc_wps_bank_code": "RJHI",
                "cc_wps_establishment_id": "EST0042",
                "cc_wps_debit_iban": DEBIT_IBAN,
                "cc_wps_mol_establishment_id": "1-123456",
            }
        )
        Bank = cls.env["res.bank"]
        banks = {
            "snb": Bank.create({"name": "Saudi National Bank", "bic": "NCBKSAJE"}),
            "rajhi": Bank.create({"name": "Al Rajhi Bank", "bic": "RJHISARI"}),
        }
        for employee, national_id, iban, bank in (
            (cls.agent, "1000000008", IBAN_AMAL, "snb"),
            (cls.agent_2, "1012345672", IBAN_BADR, "rajhi"),
        ):
            account = cls.env["res.partner.bank"].create(
                {
                    "acc_number": iban,
                    "partner_id": employee.work_contact_id.id,
                    "bank_id": banks[bank].id,
                }
            )
            employee.write(
                {"identification_id": national_id, "bank_account_id": account.id}
            )

    def setUp(self):
        super().setUp()
        Presence = self.env["cc.presence.log"]
        Presence._cc_set_state(self.agent, "available")
        Presence._cc_set_state(self.agent_2, "available")
        self.env.flush_all()

    # ------------------------------------------------------------------
    # The parts of the day
    # ------------------------------------------------------------------

    def replay_the_calls(self):
        """The calls, one after the other as FreeSWITCH sent them, over a
        real socket into the listener's worker for the node (as
        cc_telephony's tests/test_listener.py runs it; HttpCase's test mode
        gives its cursors the test's transaction)."""
        recorded = recording("callcenter_plain")
        events = [
            Chunk("RECV", plain_event(event))
            for call in self.calls_of_the_day.values()
            for event in call
        ]
        session = [
            recorded[0],  # Content-Type: auth/request
            Chunk("SEND", f"auth {PASSWORD}\n\n".encode()),
            recorded[2],  # +OK accepted
            Chunk("SEND", f"{SUBSCRIBE}\n\n".encode()),
            recorded[4],  # +OK event listener enabled plain
            Chunk("SEND", b"api version\n\n"),
            api_response(VERSION),
            Chunk("SEND", b"api show channels as json\n\n"),
            api_response(channels_json()),
            *members_chunks(self.env, self.server),
            *events,
        ]
        with ReplayServer(session) as server:
            self.server.esl_port = server.port
            self.env.flush_all()
            worker = cc_listener.NodeWorker(self.registry, self.server.id)
            worker.retry_initial = 60
            # The end of the replay is the connection lost: not the test's
            # (an event the worker could not apply would show below, in the
            # calls, the screen-pops and the ledger).
            with mute_logger(LISTENER_LOGGER, ESL_LOGGER):
                worker.start()
                server.stop()
                worker.stop()
                worker.join(10)
        self.assertFalse(worker.is_alive())
        self.assertEqual(server.errors, [])
        self.assertEqual(worker.applied, len(events))
        self.env.invalidate_all()

    def agent_tab(self, login):
        """The agent's browser tab: logged in, its websocket on the bus from
        now on."""
        session = self.authenticate(login, login)
        # Each agent keeps their session: the next log-in would end it.
        self.session = None
        websocket = self.websocket_connect(cookie=f"session_id={session.sid}")
        self.env.cr.execute("SELECT coalesce(max(id), 0) FROM bus_bus")
        self.subscribe(websocket, [], self.env.cr.fetchone()[0])
        return websocket

    def screen_pops(self, websocket, user):
        """The call notifications the tab receives, until it has as many as
        the bus holds for the agent (the bus cannot wake the websockets by
        itself in a test: they are told to look)."""
        expected = len(self.bus_messages(user))
        self.trigger_notification_dispatching([user.partner_id])
        pops = []
        while len(pops) < expected:
            # The websocket's own timeout (10 s) ends the wait if one is lost.
            message = websocket.recv()
            if not message:  # a control frame
                continue
            pops += [
                n["message"]["payload"]
                for n in json.loads(message)
                if n["message"]["type"] == "cc_telephony/call"
            ]
        return pops

    def call(self, name):
        return self.Call.search(
            [("unique_id", "=", customer_leg(self.calls_of_the_day[name]))]
        )

    # ------------------------------------------------------------------
    # The day
    # ------------------------------------------------------------------

    def test_a_day_in_the_call_centre(self):
        Interaction = self.env["cc.interaction"]
        tabs = {
            self.user_agent: self.agent_tab("cc_agent"),
            self.user_agent_2: self.agent_tab("cc_agent_2"),
        }

        # 1. The calls through the queue.
        self.replay_the_calls()
        calls = self.Call.search([("server_id", "=", self.server.id)])
        self.assertEqual(len(calls), 5)
        nora, unknown, karim, gave_up, transferred = (
            self.call(name)
            for name in ("nora", "unknown", "karim", "gave_up", "transferred")
        )
        self.assertEqual(calls, nora | unknown | karim | gave_up | transferred)
        self.assertEqual(calls.queue_id, self.queue)
        answered = calls.filtered("date_answered")
        self.assertEqual(answered, nora | unknown | karim | transferred)
        self.assertEqual(calls.filtered("abandoned"), gave_up)
        self.assertEqual(calls.filtered("transferred"), transferred)
        self.assertEqual((nora | transferred).partner_id, self.caller)
        self.assertEqual(karim.partner_id, self.customer)
        self.assertFalse(unknown.partner_id)
        self.assertEqual((nora | karim).agent_id, self.agent)
        self.assertEqual(unknown.agent_id, self.agent_2)
        for call in answered:
            self.assertEqual(call.state, "ended")
            self.assertEqual(call.talk, 6 if call == transferred else 8)
            self.assertEqual(call.hangup_cause, "NORMAL_CLEARING")
        # The transferred call is Badr's now; Amal answered it, 12:19 Riyadh.
        self.assertEqual(transferred.agent_id, self.agent_2)
        self.assertEqual(transferred.date_answered, datetime(2026, 11, 29, 9, 19, 5))
        transfer = transferred.transfer_ids
        self.assertEqual(
            (transfer.from_agent_id, transfer.to_agent_id, transfer.state),
            (self.agent, self.agent_2, "answered"),
        )
        self.assertEqual(transfer.date_answered, datetime(2026, 11, 29, 9, 19, 8))
        self.assertFalse(gave_up.date_answered)
        self.assertEqual(gave_up.offered_agent_ids, self.agent_2)
        # The one who gave up is to be called back.
        self.assertTrue(gave_up.callback_ticket_id)
        self.assertEqual(gave_up.callback_ticket_id.contact_phone, "+966561234567")
        callback = self.env["cc.callback"].search([("queue_id", "=", self.queue.id)])
        self.assertEqual(callback.origin, "abandoned")
        self.assertEqual(callback.number, "+966561234567")
        self.assertEqual(callback.ticket_id, gave_up.callback_ticket_id)

        # 2. Each offered call popped on its agent's tabs, and on no other.
        offered = {
            self.user_agent: nora | karim | transferred,
            self.user_agent_2: unknown | gave_up | transferred,
        }
        for user, tab in tabs.items():
            with self.subTest(agent=user.name):
                pops = self.screen_pops(tab, user)
                self.assertEqual(pops, self.bus_messages(user))
                self.assertEqual(
                    {pop["call_id"] for pop in pops}, set(offered[user].ids)
                )
                cards = [pop for pop in pops if pop["state"] == "offering"]
                self.assertEqual([card["call_id"] for card in cards], offered[user].ids)
                self.assertEqual(
                    [card["number_e164"] for card in cards],
                    offered[user].mapped("number_e164"),
                )
                # Then how the call went on, as the card follows it (a
                # repeated "gone" closes nothing more).
                self.assertEqual(
                    {
                        call.id: collapsed(
                            [p["state"] for p in pops if p["call_id"] == call.id]
                        )
                        for call in offered[user]
                    },
                    {
                        # Unanswered: the ringing stops (the card closes),
                        # then the call ends. Transferred: Amal's card
                        # closes once Badr answers; his follows the call.
                        call.id: ["offering", "talking", "gone"]
                        if call == transferred and user == self.user_agent
                        else ["offering", "talking", "ended"]
                        if call.date_answered
                        else ["offering", "gone", "ended"]
                        for call in offered[user]
                    },
                )
        self.assertEqual(
            [
                c["partner"]
                for c in self.bus_messages(self.user_agent)
                if "partner" in c
            ],
            [
                {"id": self.caller.id, "name": self.caller.name},
                {"id": self.customer.id, "name": self.customer.name},
                {"id": self.caller.id, "name": self.caller.name},
            ],
        )
        self._close_websockets()

        # 3. Requests: one from Nora's call, resolved by Amal (the service
        # lets its agent resolve); one by e-mail to the service that must go
        # to Billing, taken by Badr, escalated, resolved by Billing's clerk.
        with freeze_time(AFTER_THE_CALLS):
            action = nora.with_user(self.user_agent).action_new_ticket()
            from_call = self.Ticket.browse(action["res_id"])
            self.assertEqual(from_call.call_ids, nora)
            self.assertEqual(from_call.service_type_id, self.service_agent)
            from_call.with_user(self.user_agent).action_resolve()
            self.assertEqual(from_call.stage, "resolved")

            alias_domain = self.env["mail.alias.domain"].create(
                {"name": "e2e.example.com"}
            )
            self.env.company.alias_domain_id = alias_domain
            self.service_escalate.write(
                {"alias_name": "contract-change", "alias_domain_id": alias_domain.id}
            )
            with mute_logger("odoo.addons.mail.models.mail_thread"):
                ticket_id = self.env["mail.thread"].sudo().message_process(None, EMAIL)
            by_mail = self.Ticket.browse(ticket_id)
            self.assertEqual(by_mail.channel, "email")
            self.assertEqual(by_mail.service_type_id, self.service_escalate)
            self.assertEqual(by_mail.partner_id, self.customer)
            # Badr handles contract changes: he sees their requests.
            self.service_escalate.agent_ids = self.agent_2
            by_mail.with_user(self.user_agent_2).action_take()
            self.assertEqual(by_mail.owner_id, self.agent_2)
            self.env["cc.ticket.escalate"].with_user(self.user_agent_2).create(
                {
                    "ticket_id": by_mail.id,
                    "department_id": self.department.id,
                    "reason": "Changing the contract holder is Billing's decision",
                }
            ).action_confirm()
            self.assertEqual(by_mail.stage, "escalated")
            as_clerk = by_mail.with_user(self.user_department)
            as_clerk.action_department_accept()
            as_clerk.action_department_resolve()
            self.assertEqual(by_mail.stage, "resolved")
            self.assertEqual(by_mail.escalation_ids.outcome, "resolved")
            self.assertEqual(by_mail.escalation_ids.done_by_id, self.user_department)

        # The day's handled contacts: each answered call and each resolved
        # request, for its agent.
        def ledger(agent):
            contacts = Interaction.search(
                [("agent_id", "=", agent.id), ("state", "=", "valid")]
            )
            self.assertEqual(set(contacts.mapped("date_local")), {DAY})
            return sorted(contacts.mapped("channel"))

        self.assertEqual(
            ledger(self.agent),
            ["inbound_call", "inbound_call", "inbound_call", "ticket"],
        )
        self.assertEqual(
            ledger(self.agent_2), ["inbound_call", "inbound_call", "ticket"]
        )
        # The transferred call: one contact each, for each one's part.
        self.assertEqual(
            sorted(
                (c.agent_id.name, c.duration)
                for c in Interaction.search(
                    [
                        ("source_model", "=", "cc.call"),
                        ("source_id", "=", transferred.id),
                    ]
                )
            ),
            [("Agent Amal", 3), ("Agent Badr", 3)],
        )

        # 4. The nightly job closes the day, after midnight in Riyadh: Amal
        # handled 3 calls (one she transferred) + 1 request = 4 for her
        # minimum of 2 (met); Badr 2 calls (one transferred to him) + 1
        # request = 3 for his minimum of 4 (missed).
        QuotaDay = self.env["cc.quota.day"]
        with freeze_time(AFTER_THE_DAY):
            QuotaDay._cron_close_days()
        days = QuotaDay.search([("agent_id", "in", (self.agent | self.agent_2).ids)])
        self.assertEqual(
            sorted(
                (d.agent_id.name, d.date, d.handled, d.minimum, d.state) for d in days
            ),
            [
                ("Agent Amal", DAY, 4, 2, "met"),
                ("Agent Badr", DAY, 3, 4, "missed"),
            ],
        )

        # 5. November's payroll, run on the 30th.
        with freeze_time(PAYROLL_DAY):
            # By the payroll officer, as the payroll menu does it.
            batch = (
                self.env["hr.payslip.run"]
                .with_user(self.user_payroll)
                .create(
                    {
                        "name": "November 2026",
                        "date_start": NOVEMBER[0],
                        "date_end": NOVEMBER[1],
                    }
                )
            )
            slips = self.Slip.with_user(self.user_payroll).create(
                [
                    {
                        "employee_id": contract.employee_id.id,
                        "contract_id": contract.id,
                        "struct_id": self.structure.id,
                        "date_from": NOVEMBER[0],
                        "date_to": NOVEMBER[1],
                        "payslip_run_id": batch.id,
                    }
                    for contract in (self.contract_amal, self.contract_badr)
                ]
            )
            batch.action_cc_compute()
            batch.action_cc_confirm()
            slip_amal, slip_badr = slips
            self.assertEqual(slips.mapped("state"), ["done", "done"])

            # Amal: 4,000 basic + 1,000 housing; 3 calls x 6 + 1 request x 5;
            # the bonus of 2.5 for each contact above her target (one day of 2
            # minimum: 4 - 2 = 2); GOSI 9.75 % of basic + housing.
            amal = {
                "BASIC": 4000,
                "HOUSING": 1000,
                "CC_INBOUND_CALL": 3 * 6,
                "CC_TICKET": 1 * 5,
                "CC_QUOTA_BONUS": (4 - 2) * 2.5,
            }
            amal["GROSS"] = sum(amal.values())  # 5,028.00
            amal["GOSI_EE"] = round(-(4000 + 1000) * GOSI_EE_SAUDI, 2)  # -487.50
            amal["NET"] = amal["GROSS"] + amal["GOSI_EE"]  # 4,540.50
            amal["GOSI_ER"] = round((4000 + 1000) * GOSI_ER_SAUDI, 2)  # 587.50
            # Badr: 2,000 basic; 2 calls x 6 + 1 request x 5; his missed day
            # deducts 40; no GOSI of his own (not Saudi), the employer's 2 %.
            badr = {"BASIC": 2000, "CC_INBOUND_CALL": 2 * 6, "CC_TICKET": 1 * 5}
            badr["GROSS"] = sum(badr.values())  # 2,017.00
            badr["CC_MISSED"] = -1 * 40
            badr["NET"] = badr["GROSS"] + badr["CC_MISSED"]  # 1,977.00
            badr["GOSI_ER"] = round(2000 * GOSI_ER_OTHER, 2)  # 40.00
            self.assertEqual(self.lines(slip_amal), amal)
            self.assertEqual(self.lines(slip_badr), badr)
            self.assertEqual(
                {
                    code: amount
                    for code, amount in self.inputs(slip_amal).items()
                    if amount
                },
                {
                    "CC_N_INBOUND_CALL": 3,
                    "CC_N_TICKET": 1,
                    "CC_HANDLED": 4,
                    "CC_TARGET": 2,
                    "CC_DAYS_WORKING": 1,
                    "CC_DAYS_MET": 1,
                },
            )
            self.assertEqual(self.inputs(slip_badr)["CC_DAYS_MISSED"], 1)
            self.assertEqual(slip_amal.cc_interaction_count, 4)
            self.assertEqual(slip_badr.cc_interaction_count, 3)

            Export = self.env["cc.payroll.export"].with_user(self.user_payroll)
            register = Export.create({"run_id": batch.id, "kind": "register"})
            register.action_generate()
            wps = Export.create(
                {"run_id": batch.id, "kind": "wps", "file_ref": "E2E-1"}
            )
            wps.action_generate()

        # The register: a row per payslip, and the totals.
        book = openpyxl.load_workbook(
            io.BytesIO(base64.b64decode(register.file)), data_only=True
        )
        sheet = book.worksheets[0]
        self.assertEqual([cell.value for cell in sheet[3]], HEADERS)
        rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=4)]
        pay_from_contacts_amal = 18 + 5 + 5
        pay_from_contacts_badr = 12 + 5
        self.assertEqual(
            rows,
            [
                [
                    "Agent Amal",
                    self.agent.cc_agent_code,
                    "1000000008",
                    IBAN_AMAL,
                    4000,
                    1000,
                    pay_from_contacts_amal,
                    0,
                    0,
                    amal["GROSS"],
                    amal["GOSI_EE"],
                    amal["NET"],
                    amal["GOSI_ER"],
                    "Done",
                ],
                [
                    "Agent Badr",
                    self.agent_2.cc_agent_code,
                    "1012345672",
                    IBAN_BADR,
                    2000,
                    0,
                    pay_from_contacts_badr,
                    0,
                    0,
                    badr["GROSS"],
                    badr["CC_MISSED"],
                    badr["NET"],
                    badr["GOSI_ER"],
                    "Done",
                ],
                [
                    "Total",
                    None,
                    None,
                    None,
                    4000 + 2000,
                    1000,
                    pay_from_contacts_amal + pay_from_contacts_badr,
                    0,
                    0,
                    amal["GROSS"] + badr["GROSS"],
                    amal["GOSI_EE"] + badr["CC_MISSED"],
                    amal["NET"] + badr["NET"],
                    amal["GOSI_ER"] + badr["GOSI_ER"],
                    None,
                ],
            ],
        )

        # The WPS file: a row per agent paid, the header's total their sum.
        content = base64.b64decode(wps.file).decode()
        header, *rows, end = [line.split("\t") for line in content.split("\r\n")[:-1]]
        self.assertEqual(end, ["-"])
        self.assertEqual(
            [row[:4] + row[6:11] for row in rows],
            [
                [
                    "4540.50",
                    IBAN_AMAL,
                    "Agent Amal",
                    "NCBKSAJE",
                    "4000.00",
                    "1000.00",
                    "28.00",
                    "487.50",
                    "1000000008",
                ],
                [
                    "1977.00",
                    IBAN_BADR,
                    "Agent Badr",
                    "RJHISARI",
                    "2000.00",
                    "0.00",
                    "17.00",
                    "40.00",
                    "1012345672",
                ],
            ],
        )
        # Paid on the batch's last day, the file made that day; 4,540.50 +
        # 1,977.00.
        self.assertEqual(
            header,
            [
                "RJHI",
                "EST0042",
                DEBIT_IBAN,
                "SAR",
                "20261130",
                "6517.50",
                "20261130",
                "E2E-1",
                "",
                "1-123456",
            ],
        )
        self.assertEqual({row[4] for row in rows}, {"Salary 2026-11"})
        self.assertEqual(
            round(float(header[5]) * 100), sum(round(float(r[0]) * 100) for r in rows)
        )
        self.assertEqual(float(header[5]), amal["NET"] + badr["NET"])
