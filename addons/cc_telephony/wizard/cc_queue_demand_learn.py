from odoo import fields, models


class CcQueueDemandLearn(models.TransientModel):
    """Learns the demand of queues from their call history."""

    _name = "cc.queue.demand.learn"
    _description = "Learn Queue Demand"

    queue_ids = fields.Many2many(
        "cc.queue",
        string="Queues",
        required=True,
        default=lambda self: self.env.context.get("active_ids"),
    )
    weeks = fields.Integer(
        string="History (weeks)",
        required=True,
        default=lambda self: self.env["cc.queue.demand"]._cc_history_weeks(),
        help="The weeks of calls before today to learn from.",
    )

    def action_learn(self):
        self.ensure_one()
        self.env["cc.queue.demand"]._cc_learn(self.queue_ids, weeks=self.weeks)
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "cc_telephony.cc_queue_demand_action"
        )
        action["domain"] = [("queue_id", "in", self.queue_ids.ids)]
        return action
