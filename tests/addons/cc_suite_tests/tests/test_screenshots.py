"""The README's screenshots: each screen opened in headless Chromium by its
user, in English and in Arabic, by a tour that waits for what the screen must
show (static/tests/tours/cc_suite_screenshots_tour.js), then captured.

The captures are written only when the environment variable CC_SCREENSHOTS
names a folder (<folder>/<screen>_<en|ar>.png); without it every tour still
runs, so that each screen is checked to render in both languages.
"""

import base64
import os
import time
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from unittest.mock import patch

from odoo import fields
from odoo.tests import tagged
from odoo.tests.common import ChromeBrowser

from odoo.addons.cc_agent.tests.common import CallCenterHttpCase
from odoo.addons.cc_payroll.tests.common import OCTOBER, PayrollFixture, working_days
from odoo.addons.cc_telephony.tests.common import (
    TelephonyFixture,
    as_trunk_call,
    recorded_events,
)

LANGUAGES = {"en": "en_US", "ar": "ar_001"}
DESKTOP = {"": "1366x768"}
# Amal's registered device (DEVICE_TOKEN of the tours).
DEVICE_TOKEN = "s" * 40
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Where an agent works: her requests.
AGENT_HOME = "/odoo/action-cc_ticket.cc_ticket_action_my"


def moved(event, seconds):
    """``event`` as if it had happened ``seconds`` later: its times, in
    seconds or in microseconds (FreeSWITCH gives both), moved."""
    event = dict(event)
    for key, value in event.items():
        if key.endswith(("-Time", "Timestamp")) and value.isdigit() and int(value):
            micros = int(value) > 10**12
            event[key] = str(int(value) + seconds * (10**6 if micros else 1))
    return event


@tagged("post_install", "-at_install")
class TestScreenshots(PayrollFixture, TelephonyFixture, CallCenterHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_telephony()
        cls._setup_payroll()
        cls.env["res.lang"]._activate_lang("ar_001")
        cls.env["ir.module.module"].search(
            [("state", "=", "installed")]
        )._update_translations(["ar_001"])
        cls.env["ir.config_parameter"].set_param("cc_agent.agent_2fa", "0")
        sar = cls.env.ref("base.SAR")
        sar.active = True
        cls.env.company.currency_id = sar
        cls.caller.name = "Mohammed Al-Ghamdi"
        # The demo data has its own Support queue.
        cls.queue.label = "Customer Care"

    def capture(self, screen, url, tour, login, sizes=None):
        """Runs ``tour`` at ``url`` as ``login`` in each language and window
        size ({name suffix: size}, default desktop), and keeps what the
        browser shows once the tour succeeded."""
        user = self.env["res.users"].search([("login", "=", login)])
        folder = os.environ.get("CC_SCREENSHOTS")
        for suffix, lang in LANGUAGES.items():
            user.lang = lang
            for variant, size in (sizes or DESKTOP).items():
                name = screen + variant
                self.browser_size = size
                with self._capturing() as shots:
                    self.start_tour(url, tour, login=login)
                self.assertEqual(len(shots), 1, f"{name} in {lang} was not captured")
                self.assertTrue(shots[0].startswith(PNG_SIGNATURE))
                if folder:
                    path = Path(folder) / f"{name}_{suffix}.png"
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_bytes(shots[0])

    @contextmanager
    def _capturing(self):
        """Captures the page when a tour has succeeded, before the browser
        closes (ChromeBrowser._wait_code_ok returns only on success)."""
        shots = []
        wait_code_ok = ChromeBrowser._wait_code_ok

        def wait_then_capture(browser, code, timeout, error_checker=None):
            wait_code_ok(browser, code, timeout, error_checker=error_checker)
            shot = browser._websocket_request(
                "Page.captureScreenshot", params={"format": "png"}, timeout=30
            )
            shots.append(base64.b64decode(shot["data"]))

        with patch.object(ChromeBrowser, "_wait_code_ok", wait_then_capture):
            yield shots

    def _working_today(self):
        """Amal works today, whatever the day: her company works every day,
        her contract runs, and she handled 6 inbound calls (of 10 due)."""
        self.env.company.resource_calendar_id = self._make_calendar(
            "Every day", 0, 23.99, days=tuple(str(day) for day in range(7))
        )
        today = self.env["cc.quota.day"]._cc_agent_today(self.agent)
        self._make_contract(
            self.agent,
            date_start=today - timedelta(days=60),
            date_end=today + timedelta(days=300),
        )
        now = fields.Datetime.now()
        self.env["cc.interaction"]._record(
            [
                {
                    "agent_id": self.agent.id,
                    "channel": "inbound_call",
                    "date_start": now - timedelta(seconds=index),
                    "duration": 180,
                    "source_key": f"test-screenshots:{index}",
                }
                for index in range(6)
            ]
        )
        self.env["cc.presence.log"]._cc_set_state(
            self.agent, "available", origin="system"
        )
        progress = self.env["cc.quota.day"]._cc_progress(self.agent)[self.agent.id]
        self.assertEqual((progress["handled"], progress["minimum"]), (6, 10))
        self.assertFalse(progress["off"])

    def _requests(self):
        """A few requests of Amal's, so that her list is not empty."""
        for subject, partner, stage in (
            ("Meter reading disputed", self.customer, "in_progress"),
            ("New connection at a villa", self.caller, "new"),
            ("Bill sent to the wrong address", self.customer, "in_progress"),
        ):
            self._ticket(subject=subject, partner_id=partner.id, stage=stage)

    def _offer_call(self):
        """The recorded mod_callcenter call, up to its offer to Amal, moved to
        now: the caller has waited 40 seconds."""
        events = as_trunk_call(recorded_events("callcenter_plain"))
        offer = next(
            i for i, e in enumerate(events) if e.get("CC-Action") == "agent-offering"
        )
        called = int(events[0]["Event-Date-Timestamp"]) // 10**6
        shift = int(time.time()) - 40 - called
        calls = self.apply([moved(event, shift) for event in events[: offer + 1]])
        self.assertEqual(
            calls.filtered(lambda c: c.state == "offering").partner_id, self.caller
        )

    def test_screen_pop(self):
        self.env["cc.presence.log"]._cc_set_state(
            self.agent, "available", origin="system"
        )
        self._requests()
        self._offer_call()
        self.capture(
            "screen_pop", AGENT_HOME, "cc_suite_screenshot_screen_pop", "cc_agent"
        )

    def test_systray(self):
        self._working_today()
        self._requests()
        self.env["cc.agent.device"].create(
            {
                "name": "Amal's laptop",
                "agent_id": self.agent.id,
                "token_hash": self.env["cc.agent.device"]._cc_hash(DEVICE_TOKEN),
            }
        )
        self.capture(
            "systray",
            AGENT_HOME,
            "cc_suite_screenshot_systray",
            "cc_agent",
            sizes={**DESKTOP, "_phone": "390x844"},
        )

    def test_supervisor_board(self):
        self._working_today()
        Presence = self.env["cc.presence.log"]
        Presence._cc_set_state(
            self.env.ref("cc_agent.hr_employee_agent_sara_demo"),
            "available",
            origin="system",
        )
        Presence._cc_set_state(
            self.env.ref("cc_agent.hr_employee_agent_fahad_demo"),
            "break",
            reason=self.env.ref("cc_agent.cc_break_reason_prayer"),
            origin="system",
        )
        self.capture(
            "supervisor_board",
            "/odoo/action-cc_agent.cc_supervisor_board_action",
            "cc_suite_screenshot_supervisor_board",
            "admin",
        )

    def test_wait_board(self):
        self._offer_call()
        self.assertEqual(self.queue.waiting_count, 1)
        self.capture(
            "wait_board",
            "/odoo/action-cc_telephony.cc_queue_action_wait_board",
            "cc_suite_screenshot_wait_board",
            "admin",
            # The four queues, two by two.
            sizes={"": "1366x1000"},
        )

    def test_ticket_escalation_trail(self):
        ticket = self._ticket(
            subject="Change of contract holder",
            partner_id=self.caller.id,
            service_type_id=self.service_escalate.id,
        )
        for reason in ("Please decide", "ID copy received"):
            self.env["cc.ticket.escalate"].with_user(self.user_agent).create(
                {
                    "ticket_id": ticket.id,
                    "department_id": self.department.id,
                    "reason": reason,
                }
            ).action_confirm()
            if reason == "Please decide":
                self.env["cc.ticket.send.back"].with_user(self.user_department).create(
                    {"ticket_id": ticket.id, "note": "Ask for the ID copy first"}
                ).action_confirm()
        ticket.with_user(self.user_department).action_department_accept()
        self.assertEqual(
            ticket.escalation_ids.sorted("id").mapped("outcome"), ["sent_back", False]
        )
        self.capture(
            "ticket",
            f"/odoo/cc.ticket/{ticket.id}",
            "cc_suite_screenshot_ticket",
            "cc_agent",
        )

    def test_payslip(self):
        # Amal's October: 10 inbound calls every working day (21), at 6 each.
        for day in working_days(*OCTOBER):
            self._contacts(self.agent, day, "inbound_call", 10)
        slip = self._slip(self._make_contract(self.agent))
        slip._compute_name()  # as the form names it
        slip.action_payslip_done()
        lines = self.lines(slip)
        self.assertEqual(lines["CC_INBOUND_CALL"], 210 * 6)
        # GOSI on the floor (no basic nor housing): 9 % + 0.75 % of 1,500.
        self.assertEqual(lines["NET"], 1260 - 146.25)
        self.capture(
            "payslip",
            f"/odoo/action-cc_payroll.hr_payslip_action_cc_agent/{slip.id}",
            "cc_suite_screenshot_payslip",
            "cc_agent",
        )
