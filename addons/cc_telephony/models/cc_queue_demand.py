from datetime import datetime, time, timedelta

import pytz

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

# When the company's working calendar names no time zone (the suite is built
# for Saudi Arabia first).
DEFAULT_TZ = "Asia/Riyadh"
DEFAULT_WEEKS = 8
# Ten years: more is a typing slip (and out of the dates' range soon).
MAX_WEEKS = 520
WEEKDAYS = [
    ("0", "Monday"),
    ("1", "Tuesday"),
    ("2", "Wednesday"),
    ("3", "Thursday"),
    ("4", "Friday"),
    ("5", "Saturday"),
    ("6", "Sunday"),
]


def half_hour_label(half_hour):
    """ "16:00–16:30" for the half hour 32 of a day."""
    start = half_hour * 30
    end = start + 30
    return f"{start // 60:02d}:{start % 60:02d}–{end // 60 % 24:02d}:{end % 60:02d}"


class CcQueueDemand(models.Model):
    """The calls a queue is offered in a half hour of a weekday, learned from
    the call log: what staffing plans against.

    Offered and handle time are the KPIs' (tools/kpi.py): a call is offered
    to the queue when it reached it (inbound, with the queue) and has an
    outcome (answered, or ended without an agent), counted in the half hour
    it joined the queue (``date_queued``, else ``date_created``) in the
    company's time zone. A caller who chose a callback is counted here, at
    the same time as the KPIs count their callback. The calls of a half hour
    are averaged over the days of that weekday that had calls for the queue
    within the history window (a queue opened three weeks ago is not divided
    by eight weeks). The handle time of an answered call is its talk time
    plus its agent's wrap-up time in the window spread evenly over the calls
    they answered in it; a half hour without an answered call takes the
    queue's average over the window.
    """

    _name = "cc.queue.demand"
    _description = "Queue Demand by Half Hour"
    _order = "queue_id, weekday, half_hour"
    _rec_name = "slot_label"

    queue_id = fields.Many2one(
        "cc.queue", required=True, readonly=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="queue_id.company_id", store=True, index=True)
    weekday = fields.Selection(WEEKDAYS, required=True, readonly=True)
    half_hour = fields.Integer(
        string="Half Hour of the Day",
        required=True,
        readonly=True,
        help="0 is 00:00–00:30 and 47 is 23:30–24:00, in the company's time zone.",
    )
    slot_label = fields.Char(
        string="Half Hour", compute="_compute_slot_label", store=True
    )
    calls = fields.Float(
        string="Calls Offered",
        readonly=True,
        digits=(16, 2),
        aggregator="sum",
        help="Calls that reached the queue in this half hour, on average over the "
        "days of this weekday with calls in the history window.",
    )
    aht = fields.Float(
        string="Average Handle Time (s)",
        readonly=True,
        digits=(16, 1),
        aggregator="avg",
        help="Talk time of the answered calls of this half hour (the queue's "
        "average when none was answered).",
    )
    weeks = fields.Integer(
        string="Weeks of History",
        readonly=True,
        aggregator="max",
        help="The days of this weekday with calls for the queue in the history "
        "window: what the calls are averaged over.",
    )
    date_computed = fields.Datetime(string="Learned On", readonly=True)

    _sql_constraints = [
        (
            "queue_weekday_half_hour_unique",
            "unique(queue_id, weekday, half_hour)",
            "A queue has one demand per weekday and half hour.",
        ),
        (
            "half_hour_range",
            "CHECK(half_hour >= 0 AND half_hour < 48)",
            "A day has 48 half hours (0 to 47).",
        ),
    ]

    @api.depends("half_hour")
    def _compute_slot_label(self):
        for demand in self:
            demand.slot_label = half_hour_label(demand.half_hour)

    # ------------------------------------------------------------------
    # Learning from the call log
    # ------------------------------------------------------------------

    @api.model
    def _cc_company_tz(self, company=None):
        company = company or self.env.company
        return company.resource_calendar_id.tz or DEFAULT_TZ

    @api.model
    def _cc_history_weeks(self):
        """The history window in weeks (system parameter
        cc_telephony.demand_weeks, 8 by default)."""
        value = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("cc_telephony.demand_weeks", DEFAULT_WEEKS)
        )
        try:
            weeks = int(value)
        except (TypeError, ValueError):
            weeks = 0
        if weeks < 1:
            raise UserError(
                self.env._(
                    "The system parameter 'cc_telephony.demand_weeks' is the history "
                    "window in weeks, a whole number of at least 1, not %(value)s.",
                    value=value,
                )
            )
        return weeks

    @api.model
    def _cc_learn(self, queues, weeks=None, until=None):
        """Learns the demand of ``queues`` from their last ``weeks`` weeks of
        calls before ``until`` (a date; today in the company's time zone by
        default), replacing what was learned before. Returns the number of
        rows written.

        One statement does it all: the calls are bucketed by weekday and half
        hour in each queue's company time zone and counted (AT TIME ZONE in
        PostgreSQL: half a million calls never travel to Python), then the
        rows are inserted. The caller must be allowed to create demand rows;
        the statement bypasses the ORM, so the caches are invalidated."""
        self.check_access("create")
        self.check_access("unlink")
        queues = queues.exists()
        if not queues:
            return 0
        if weeks is None:
            weeks = self._cc_history_weeks()
        if not 1 <= weeks <= MAX_WEEKS:
            raise UserError(
                self.env._(
                    "History (weeks): the window is a number of weeks from 1 to "
                    "%(most)s, not %(weeks)s.",
                    most=MAX_WEEKS,
                    weeks=weeks,
                )
            )
        if not until:
            until = datetime.now(pytz.timezone(self._cc_company_tz())).date()
        first = until - timedelta(days=7 * weeks)
        # The indexed date_created narrows the scan; a day either side covers
        # every time zone, the local dates are then compared exactly.
        scan_from = datetime.combine(first, time.min) - timedelta(days=1)
        scan_to = datetime.combine(until, time.min) + timedelta(days=1)
        # The wrap-up spread over the calls is read in the window of the
        # current company's time zone.
        tz = pytz.timezone(self._cc_company_tz())
        from_utc, to_utc = (
            tz.localize(datetime.combine(day, time.min))
            .astimezone(pytz.utc)
            .replace(tzinfo=None)
            for day in (first, until)
        )
        now = fields.Datetime.now()
        self.env["cc.call"].flush_model(
            [
                "queue_id",
                "direction",
                "date_queued",
                "date_created",
                "date_answered",
                "date_ended",
                "agent_id",
                "talk",
            ]
        )
        self.env["cc.queue"].flush_model(["company_id"])
        self.env["cc.presence.log"].flush_model(
            ["agent_id", "state", "date_start", "date_end"]
        )
        cr = self.env.cr
        # One learning at a time (the nightly cron and a manager's), without
        # locking the queues' rows, which the listener writes all the time.
        cr.execute(SQL("SELECT pg_advisory_xact_lock(hashtext('cc_queue_demand'))"))
        cr.execute(
            SQL("DELETE FROM cc_queue_demand WHERE queue_id IN %s", tuple(queues.ids))
        )
        cr.execute(
            SQL(
                """
WITH zones AS (
    SELECT q.id AS queue_id, q.company_id,
           COALESCE(NULLIF(cal.tz, ''), %(default_tz)s) AS tz
      FROM cc_queue q
      LEFT JOIN res_company co ON co.id = q.company_id
      LEFT JOIN resource_calendar cal ON cal.id = co.resource_calendar_id
     WHERE q.id IN %(queues)s
), wrap_up AS (
    SELECT agent_id,
           SUM(EXTRACT(EPOCH FROM LEAST(COALESCE(date_end, %(now)s), %(to_utc)s)
               - GREATEST(date_start, %(from_utc)s))) AS seconds
      FROM cc_presence_log
     WHERE state = 'wrap_up'
       AND date_start < %(to_utc)s
       AND (date_end IS NULL OR date_end > %(from_utc)s)
     GROUP BY agent_id
), answered AS (
    SELECT agent_id, COUNT(*) AS calls
      FROM cc_call
     WHERE date_answered IS NOT NULL AND agent_id IS NOT NULL
       AND date_created >= %(from_utc)s AND date_created < %(to_utc)s
     GROUP BY agent_id
), offered AS (
    SELECT c.queue_id, z.company_id,
           (COALESCE(c.date_queued, c.date_created) AT TIME ZONE 'UTC')
               AT TIME ZONE z.tz AS local_time,
           CASE WHEN c.date_answered IS NOT NULL AND c.date_ended IS NOT NULL
                THEN c.talk + COALESCE(wu.seconds / an.calls, 0) END AS handled
      FROM cc_call c
      JOIN zones z ON z.queue_id = c.queue_id
      LEFT JOIN wrap_up wu ON wu.agent_id = c.agent_id
      LEFT JOIN answered an ON an.agent_id = c.agent_id
     WHERE c.direction = 'inbound'
       AND (c.date_answered IS NOT NULL OR c.date_ended IS NOT NULL)
       AND c.date_created >= %(scan_from)s AND c.date_created < %(scan_to)s
), windowed AS (
    SELECT queue_id, company_id, local_time::date AS day,
           EXTRACT(ISODOW FROM local_time)::int - 1 AS weekday,
           EXTRACT(HOUR FROM local_time)::int * 2
               + (EXTRACT(MINUTE FROM local_time) >= 30)::int AS half_hour,
           handled
      FROM offered
     WHERE local_time >= %(first)s AND local_time < %(until)s
), days AS (
    SELECT queue_id, weekday, COUNT(DISTINCT day) AS weeks
      FROM windowed GROUP BY queue_id, weekday
), queue_aht AS (
    SELECT queue_id, AVG(handled) AS aht FROM windowed GROUP BY queue_id
)
INSERT INTO cc_queue_demand (
    queue_id, company_id, weekday, half_hour, slot_label, calls, aht, weeks,
    date_computed, create_uid, create_date, write_uid, write_date
)
SELECT w.queue_id, w.company_id, w.weekday::varchar, w.half_hour,
       to_char(TIME '00:00' + w.half_hour * INTERVAL '30 minutes', 'HH24:MI')
           || '–' || to_char(TIME '00:30' + w.half_hour * INTERVAL '30 minutes',
           'HH24:MI'),
       COUNT(*)::float / d.weeks,
       COALESCE(AVG(w.handled), qa.aht, 0),
       d.weeks, %(now)s, %(uid)s, %(now)s, %(uid)s, %(now)s
  FROM windowed w
  JOIN days d ON d.queue_id = w.queue_id AND d.weekday = w.weekday
  JOIN queue_aht qa ON qa.queue_id = w.queue_id
 GROUP BY w.queue_id, w.company_id, w.weekday, w.half_hour, d.weeks, qa.aht
""",
                default_tz=DEFAULT_TZ,
                queues=tuple(queues.ids),
                scan_from=scan_from,
                scan_to=scan_to,
                first=first,
                until=until,
                from_utc=from_utc,
                to_utc=to_utc,
                now=now,
                uid=self.env.uid,
            )
        )
        count = cr.rowcount
        self.invalidate_model()
        return count

    @api.model
    def _cc_cron_learn(self):
        """The daily learning of every active queue's demand."""
        queues = self.env["cc.queue"].search([])
        self._cc_learn(queues)
