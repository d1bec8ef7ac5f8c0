from datetime import datetime, time, timedelta

import pytz

from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CcQueue(models.Model):
    """A mod_callcenter queue of a FreeSWITCH node, mirrored in Odoo: which
    agents take its calls (its tiers), and what customers who call it want."""

    _name = "cc.queue"
    _description = "Call Queue"
    _order = "name"

    name = fields.Char(
        required=True,
        help="The queue's full name in FreeSWITCH, e.g. support@default.",
    )
    label = fields.Char(translate=True, help="What agents and supervisors read.")
    active = fields.Boolean(default=True)
    server_id = fields.Many2one(
        "cc.pbx.server", string="FreeSWITCH Node", required=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="server_id.company_id", store=True, index=True)
    service_type_id = fields.Many2one(
        "cc.service.type",
        string="Default Service Type",
        help="The service type a request taken from this queue starts with "
        "(unless the caller chose another in the voice menu).",
    )
    agent_ids = fields.Many2many(
        "hr.employee",
        "cc_queue_agent_rel",
        "queue_id",
        "employee_id",
        string="Agents",
        domain="[('is_cc_agent', '=', True)]",
        help="The agents logged into this queue when they are Available.",
    )

    # Live, from mod_callcenter's members-count events.
    waiting_count = fields.Integer(
        string="Waiting Now", readonly=True, help="Callers waiting in the queue now."
    )
    waiting_updated = fields.Datetime(string="Counted At", readonly=True)
    # Today (in the company's working time zone), from the call log.
    calls_today = fields.Integer(compute="_compute_today")
    abandoned_today = fields.Integer(compute="_compute_today")
    abandon_rate_today = fields.Float(
        compute="_compute_today", string="Abandon Rate Today (%)"
    )
    wait_avg_today = fields.Integer(
        compute="_compute_today",
        string="Average Wait Today (s)",
        help="Of the calls an agent answered today.",
    )
    available_agent_count = fields.Integer(
        compute="_compute_available_agent_count", string="Agents Available"
    )

    _sql_constraints = [
        (
            "name_server_unique",
            "unique(name, server_id)",
            "A FreeSWITCH node has one queue of each name.",
        ),
    ]

    @api.constrains("name")
    def _check_name(self):
        for queue in self:
            if "@" not in queue.name or " " in queue.name:
                raise ValidationError(
                    self.env._(
                        "The field 'Name' of a queue is its FreeSWITCH name, like "
                        "support@default, not %(name)s.",
                        name=queue.name,
                    )
                )

    @api.depends("name", "label")
    def _compute_display_name(self):
        for queue in self:
            queue.display_name = queue.label or queue.name

    def _today_start(self):
        """Midnight today in the company's time zone, as the UTC Odoo stores."""
        tz = pytz.timezone(
            self.env.company.resource_calendar_id.tz
            or self.env.user.tz
            or "Asia/Riyadh"
        )
        midnight = tz.localize(datetime.combine(datetime.now(tz).date(), time.min))
        return midnight.astimezone(pytz.utc).replace(tzinfo=None)

    def _compute_today(self):
        Call = self.env["cc.call"].sudo()
        domain = [
            ("queue_id", "in", self.ids),
            ("date_created", ">=", self._today_start()),
            ("date_created", "<", self._today_start() + timedelta(days=1)),
        ]
        totals = {
            queue.id: (count, wait)
            for queue, count, wait in Call._read_group(
                domain, ["queue_id"], ["__count", "wait:avg"]
            )
        }
        abandoned = dict(
            Call._read_group(
                domain + [("abandoned", "=", True)], ["queue_id"], ["__count"]
            )
        )
        answered = dict(
            Call._read_group(
                domain + [("date_answered", "!=", False)], ["queue_id"], ["wait:avg"]
            )
        )
        for queue in self:
            count, _wait = totals.get(queue, (0, 0))
            queue.calls_today = count
            queue.abandoned_today = abandoned.get(queue, 0)
            queue.abandon_rate_today = (
                100.0 * queue.abandoned_today / count if count else 0.0
            )
            queue.wait_avg_today = round(answered.get(queue) or 0)

    @api.depends("agent_ids")
    def _compute_available_agent_count(self):
        current = self.env["cc.presence.log"].sudo()._cc_current(self.agent_ids)
        for queue in self:
            queue.available_agent_count = sum(
                1
                for agent in queue.agent_ids
                if current.get(agent.id) and current[agent.id].state == "available"
            )

    def _cc_waiting(self):
        """Counts the callers waiting in the queue now: queued or being
        offered to an agent, from the call log (FreeSWITCH's members-count
        still counts a caller being put through)."""
        if not self:
            return
        when = fields.Datetime.now()
        counts = dict(
            self.env["cc.call"]
            .sudo()
            ._read_group(
                [("queue_id", "in", self.ids), ("state", "in", ("queued", "offering"))],
                ["queue_id"],
                ["__count"],
            )
        )
        for queue in self.sudo():
            count = counts.get(queue, 0)
            if count != queue.waiting_count or not queue.waiting_updated:
                queue.write({"waiting_count": count, "waiting_updated": when})
