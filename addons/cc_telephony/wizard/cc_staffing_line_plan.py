from datetime import datetime

import pytz

from odoo import fields, models


class CcStaffingLinePlan(models.TransientModel):
    """Plans a day's staffing of queues against their learned demand."""

    _name = "cc.staffing.line.plan"
    _description = "Plan Staffing"

    date = fields.Date(
        string="Day",
        required=True,
        default=lambda self: datetime.now(
            pytz.timezone(self.env["cc.queue.demand"]._cc_company_tz())
        ).date(),
    )
    queue_ids = fields.Many2many(
        "cc.queue",
        string="Queues",
        help="Leave empty to plan every queue.",
    )

    def action_plan(self):
        self.ensure_one()
        queues = self.queue_ids or self.env["cc.queue"].search([])
        self.env["cc.staffing.line"]._cc_plan(self.date, queues)
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "cc_telephony.cc_staffing_line_action"
        )
        action["domain"] = [
            ("date", "=", fields.Date.to_string(self.date)),
            ("queue_id", "in", queues.ids),
        ]
        action["context"] = {"search_default_group_queue": 1}
        return action
