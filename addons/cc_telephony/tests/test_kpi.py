"""The KPIs of tools/kpi.py against a hand-built day of calls, callbacks and
presence whose every figure is known, and their xlsx export."""

import base64
import io
import uuid
from datetime import date, datetime, timedelta

import openpyxl
from freezegun import freeze_time

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from ..tools import kpi
from .common import TelephonyCase

DAY = datetime(2026, 11, 1)  # a Sunday; Riyadh is UTC+3
NOW = "2026-11-01 12:10:00"


def at(hour, minute=0, second=0, day=DAY):
    return day.replace(hour=hour, minute=minute, second=second)


class KpiDayCase(TelephonyCase):
    """A day of the support queue (and one call of sales) whose KPIs are
    known."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_queue = cls.env["cc.queue"].create(
            {"name": "sales@default", "server_id": cls.server.id}
        )
        # Support answers in 20 s, calls back within 30 minutes.
        cls.queue.write({"cc_sl_seconds": 20, "cc_callback_sl_minutes": 30})
        amal, badr = cls.agent, cls.agent_2
        # Queue calls: (joined, wait, talk, agent), answered ones first.
        cls._call(at(9), wait=10, talk=120, agent=amal)
        cls._call(at(9, 30), wait=20, talk=60, agent=badr)  # 20 s: in time
        cls._call(at(10), wait=50, talk=180, agent=amal)  # late
        cls._call(at(10, 30), wait=30, abandoned=True)
        cls._call(at(10, 40), wait=5, abandoned=True)
        # Not counted as calls: asked for a callback, still waiting, another
        # day, another queue.
        cls._call(at(11), wait=40, callback_requested=True)
        cls._call(at(12, 5), state="queued")
        cls._call(at(10, day=DAY + timedelta(days=1)), wait=1, talk=10, agent=amal)
        cls._call(at(9), wait=3, talk=30, agent=badr, queue=cls.other_queue)
        # Amal's own outbound call: her wrap-up is spread over it too.
        cls.Call.sudo().create(
            {
                "unique_id": str(uuid.uuid4()),
                "server_id": cls.server.id,
                "direction": "outbound",
                "state": "ended",
                "agent_id": amal.id,
                "date_created": at(11, 30),
                "date_answered": at(11, 30),
                "date_ended": at(11, 31),
            }
        )
        # Callbacks.
        cls._callback("ivr", at(9), "done", date_done=at(9, 20))  # in time
        cls._callback("manual", at(10), "done", date_done=at(11))  # late
        cls._callback("ivr", at(11), "failed")
        # From an abandoned call: the call counts, not the callback.
        cls._callback("abandoned", at(10, 30), "done", date_done=at(10, 35))
        cls._callback("ivr", at(11, 30), "pending")  # past its 30 min: missed
        cls._callback("ivr", at(12), "pending")  # 10 min: not counted yet
        cls._callback("ivr", at(11, 45), "cancelled")
        # Presence (seconds): Amal available 1800 (clipped at midnight UTC) +
        # 3600, on call 600, wrap-up 90; Badr available 1800, on call 300,
        # wrap-up 20.
        cls._presence(amal, "available", at(23, day=DAY - timedelta(days=1)), at(0, 30))
        cls._presence(amal, "available", at(8), at(9))
        cls._presence(amal, "on_call", at(9), at(9, 10))
        cls._presence(amal, "wrap_up", at(9, 10), at(9, 11, 30))
        cls._presence(amal, "break", at(9, 11, 30), at(10))
        cls._presence(badr, "available", at(8), at(8, 30))
        cls._presence(badr, "on_call", at(8, 30), at(8, 35))
        cls._presence(badr, "wrap_up", at(8, 35), at(8, 35, 20))

    @classmethod
    def _call(
        cls,
        joined,
        wait=0,
        talk=0,
        agent=None,
        queue=None,
        state="ended",
        abandoned=False,
        callback_requested=False,
    ):
        answered = joined + timedelta(seconds=wait) if agent else False
        ended = (answered or joined + timedelta(seconds=wait)) + timedelta(seconds=talk)
        return cls.Call.sudo().create(
            {
                "unique_id": str(uuid.uuid4()),
                "server_id": cls.server.id,
                "direction": "inbound",
                "state": state,
                "queue_id": (queue or cls.queue).id,
                "agent_id": agent.id if agent else False,
                "date_created": joined - timedelta(seconds=8),
                "date_queued": joined,
                "date_answered": answered,
                "date_ended": ended if state == "ended" else False,
                "abandoned": abandoned,
                "callback_requested": callback_requested,
            }
        )

    _numbers = iter(range(500000000, 500000100))

    @classmethod
    def _callback(cls, origin, requested, state, date_done=False):
        return (
            cls.env["cc.callback"]
            .sudo()
            .create(
                {
                    "origin": origin,
                    "queue_id": cls.queue.id,
                    "number": f"+966{next(cls._numbers)}",
                    "date_requested": requested,
                    "state": state,
                    "date_done": date_done,
                }
            )
        )

    @classmethod
    def _presence(cls, agent, state, start, end):
        cls.env["cc.presence.log"].sudo().create(
            {"agent_id": agent.id, "state": state, "date_start": start, "date_end": end}
        )


@tagged("post_install", "-at_install")
class TestKpi(KpiDayCase):
    def _kpis(self, start=DAY, end=DAY + timedelta(days=1)):
        with freeze_time(NOW):
            return self.env["cc.queue"]._cc_kpis(
                self.queue | self.other_queue, start, end
            )

    def test_every_kpi_of_the_day(self):
        figures = self._kpis()[self.queue.id]
        # 5 calls + 4 callbacks (in time, late, failed, missed while pending).
        self.assertEqual(figures["offered"], 9)
        self.assertEqual(figures["answered"], 3 + 2)
        self.assertEqual(figures["answered_in_time"], 2 + 1)
        self.assertEqual(figures["abandoned"], 2)
        self.assertAlmostEqual(figures["service_level"], 100 * 3 / 9)
        self.assertAlmostEqual(figures["asa"], (10 + 20 + 50) / 3)
        # Talk 360 s; wrap-up: Amal's 90 s over her 3 calls (2 of the queue),
        # Badr's 20 s over his 2 (1 of the queue, 1 of sales).
        self.assertAlmostEqual(figures["aht"], (360 + 90 * 2 / 3 + 20 / 2) / 3)
        self.assertAlmostEqual(figures["abandonment"], 100 * 2 / (2 + 3))
        busy, available = 600 + 90 + 300 + 20, 1800 + 3600 + 1800
        self.assertAlmostEqual(figures["occupancy"], 100 * busy / (busy + available))
        self.assertEqual(figures["callbacks_requested"], 7)
        self.assertEqual(figures["callbacks_done"], 3)

    def test_other_queue_and_empty_period(self):
        sales = self._kpis()[self.other_queue.id]
        self.assertEqual(sales["offered"], 1)
        self.assertEqual(sales["answered_in_time"], 1)
        self.assertEqual(sales["service_level"], 100.0)
        self.assertEqual(sales["aht"], 30 + 20 / 2)
        self.assertEqual(sales["abandonment"], 0.0)
        # Nobody in the queue's agents: no occupancy.
        self.assertIsNone(sales["occupancy"])
        empty = self._kpis(DAY - timedelta(days=10), DAY - timedelta(days=9))
        self.assertEqual(
            empty[self.queue.id],
            {
                "offered": 0,
                "answered": 0,
                "answered_in_time": 0,
                "abandoned": 0,
                "service_level": None,
                "asa": 0.0,
                "aht": 0.0,
                "abandonment": None,
                "occupancy": None,
                "callbacks_requested": 0,
                "callbacks_done": 0,
            },
        )

    def test_a_call_in_conversation_is_answered_not_yet_handled(self):
        billing = self.env["cc.queue"].create(
            {"name": "billing@default", "server_id": self.server.id}
        )
        self._call(at(12), wait=5, agent=self.agent, queue=billing, state="talking")
        self._call(at(12, 1), queue=billing, state="queued")
        with freeze_time(NOW):
            figures = billing._cc_kpis(billing, DAY, DAY + timedelta(days=1))
        figures = figures[billing.id]
        self.assertEqual(
            (figures["offered"], figures["answered"], figures["answered_in_time"]),
            (1, 1, 1),
        )
        self.assertEqual(figures["asa"], 5.0)
        # Its talk is not known yet: no handling time.
        self.assertEqual(figures["aht"], 0.0)

    def test_pending_callback_counts_once_its_time_passed(self):
        with freeze_time("2026-11-01 12:40:00"):
            figures = self.env["cc.queue"]._cc_kpis(
                self.queue, DAY, DAY + timedelta(days=1)
            )[self.queue.id]
        self.assertEqual(figures["offered"], 10)
        self.assertEqual(figures["answered_in_time"], 3)

    def test_a_few_queries_whatever_the_queues(self):
        queues = self.queue | self.other_queue
        queues._cc_kpis(queues, DAY, DAY + timedelta(days=1))  # warm the caches
        with self.assertQueryCount(4):
            self.env["cc.queue"]._cc_kpis(queues, DAY, DAY + timedelta(days=1))
        many = queues | self.env["cc.queue"].create(
            [
                {"name": f"q{index}@default", "server_id": self.server.id}
                for index in range(10)
            ]
        )
        many._cc_kpis(many, DAY, DAY + timedelta(days=1))
        with self.assertQueryCount(4):
            self.env["cc.queue"]._cc_kpis(many, DAY, DAY + timedelta(days=1))

    def test_pure_functions(self):
        self.assertIsNone(kpi.ratio(3, 0))
        self.assertEqual(kpi.ratio(1, 4), 25.0)
        self.assertEqual(kpi.mean(10, 0), 0.0)
        self.assertEqual(
            kpi.wrap_up_share({1: 2, 2: 1, 3: 1}, {1: 4, 2: 1}, {1: 100, 2: 30}),
            100 * 2 / 4 + 30,
        )

    def test_today_figures_of_the_queue(self):
        """The queue's figures of today are the KPIs (Riyadh's day:
        31 October 21:00 to 1 November 21:00 UTC)."""
        with freeze_time(NOW):
            self.assertEqual(
                self.env["cc.queue"]._cc_today_bounds(),
                (datetime(2026, 10, 31, 21), datetime(2026, 11, 1, 21)),
            )
            self.queue.invalidate_recordset()
            self.assertEqual(self.queue.calls_today, 9)
            self.assertEqual(self.queue.abandoned_today, 2)
            self.assertAlmostEqual(self.queue.abandon_rate_today, 40.0)
            self.assertEqual(self.queue.wait_avg_today, 27)
            self.assertAlmostEqual(self.queue.service_level_today, 100 * 3 / 9)

    def test_callback_time_must_be_positive(self):
        with self.assertRaisesNaming(ValidationError, "Callback Service Level Time"):
            self.queue.cc_callback_sl_minutes = 0


@tagged("post_install", "-at_install")
class TestKpiExport(KpiDayCase):
    """The xlsx export: a row per day and queue, then the totals."""

    HEADERS = [
        "Date",
        "Queue",
        "Offered",
        "Answered",
        "Answered in Time",
        "Abandoned",
        "Service Level (%)",
        "ASA (s)",
        "AHT (s)",
        "Abandonment (%)",
        "Occupancy (%)",
        "Callbacks Requested",
        "Callbacks Reached",
    ]

    def _export(self, user=None, **values):
        values = {
            "date_from": date(2026, 11, 1),
            "date_to": date(2026, 11, 2),
            "queue_ids": [(6, 0, self.queue.ids)],
            **values,
        }
        Export = self.env["cc.queue.kpi.export"].with_user(user or self.user_supervisor)
        with freeze_time(NOW):
            export = Export.create(values)
            export.action_generate()
        self.assertEqual(export.state, "done")
        book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(export.file)))
        return export, book.worksheets[0]

    def test_rows_per_day_and_totals(self):
        export, sheet = self._export()
        self.assertEqual(export.file_name, "queue_kpis_2026-11-01_2026-11-02.xlsx")
        self.assertEqual(sheet.title, "Queue KPIs")
        self.assertIn("11/01/2026", sheet["A1"].value)
        self.assertEqual([cell.value for cell in sheet[3]], self.HEADERS)
        rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=4)]
        self.assertEqual(
            [row[:2] for row in rows],
            [
                ["11/01/2026", "Support"],
                ["11/02/2026", "Support"],
                ["Total", "Support"],
            ],
        )
        # Riyadh's 1 November: Amal's first span is all inside (5400 s).
        busy, available = 1010, 5400 + 3600 + 1800
        self.assertEqual(
            rows[0][2:],
            [
                9,
                5,
                3,
                2,
                33.3,
                27,
                round((360 + 90 * 2 / 3 + 20 / 2) / 3),
                40.0,
                round(100 * busy / (busy + available), 1),
                7,
                3,
            ],
        )
        # 2 November: Amal's one call, answered in 1 s; no presence.
        self.assertEqual(rows[1][2:], [1, 1, 1, 0, 100.0, 1, 10, 0.0, None, 0, 0])
        self.assertEqual(rows[2][2:6], [10, 6, 4, 2])
        self.assertEqual(rows[2][6], 40.0)
        self.assertTrue(sheet["A6"].font.b)
        self.assertFalse(sheet.sheet_view.rightToLeft)

    def test_all_queues_when_none_chosen(self):
        _export, sheet = self._export(queue_ids=[], date_to=date(2026, 11, 1))
        queues = [row[1].value for row in sheet.iter_rows(min_row=4)]
        names = self.env["cc.queue"].search([]).mapped("display_name")
        self.assertIn("sales@default", names)
        self.assertEqual(queues, names * 2)

    def test_right_to_left_in_arabic(self):
        self.env["res.lang"]._activate_lang("ar_001")
        self.user_supervisor.lang = "ar_001"
        _export, sheet = self._export()
        self.assertTrue(sheet.sheet_view.rightToLeft)

    def test_agents_do_not_export(self):
        with self.assertRaises(AccessError):
            self.env["cc.queue.kpi.export"].with_user(self.user_agent).create(
                {"date_from": date(2026, 11, 1), "date_to": date(2026, 11, 1)}
            )

    def test_period_is_checked(self):
        with self.assertRaisesNaming(ValidationError, "'To'"):
            self._export(date_from=date(2026, 11, 2), date_to=date(2026, 11, 1))
        with self.assertRaisesNaming(ValidationError, "367 days"):
            self._export(date_from=date(2025, 11, 1), date_to=date(2026, 11, 2))
