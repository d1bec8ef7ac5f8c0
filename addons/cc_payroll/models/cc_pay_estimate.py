from odoo import api, fields, models
from odoo.exceptions import AccessError


class CcPayEstimate(models.TransientModel):
    """This month's pay so far, as the agent's payslip would say it today."""

    _name = "cc.pay.estimate"
    _description = "Pay This Month So Far"

    employee_id = fields.Many2one("hr.employee", string="Agent", readonly=True)
    date_from = fields.Date(string="From", readonly=True)
    date_to = fields.Date(string="To", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    contact_count = fields.Integer(string="Handled Contacts Counted", readonly=True)
    net = fields.Monetary(string="Net so Far", readonly=True)
    line_ids = fields.One2many("cc.pay.estimate.line", "estimate_id", readonly=True)

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        agent = self.env.user.employee_id.sudo()
        if not agent.is_cc_agent:
            raise AccessError(
                self.env._("Only call center agents have a pay estimate.")
            )
        today = self.env["cc.quota.day"].sudo()._cc_agent_today(agent)
        date_from = today.replace(day=1)
        estimate = self.env["hr.payslip"]._cc_estimate(agent, date_from, today)
        values.update(
            {
                "employee_id": agent.id,
                "date_from": date_from,
                "date_to": today,
                "currency_id": agent.company_id.currency_id.id,
                "contact_count": estimate["contacts"],
                "net": estimate["net"],
                "line_ids": [
                    fields.Command.create(
                        {
                            "name": line["name"],
                            "quantity": line["quantity"],
                            "rate": line["rate"],
                            "amount": line["amount"],
                            "total": line["total"],
                        }
                    )
                    for line in estimate["lines"]
                    if line["category"] not in ("COMP",)
                ],
            }
        )
        return values


class CcPayEstimateLine(models.TransientModel):
    _name = "cc.pay.estimate.line"
    _description = "Pay This Month So Far: Line"

    estimate_id = fields.Many2one("cc.pay.estimate", required=True, ondelete="cascade")
    currency_id = fields.Many2one(related="estimate_id.currency_id")
    name = fields.Char(string="Description")
    quantity = fields.Float()
    rate = fields.Float(string="Rate (%)")
    amount = fields.Monetary()
    total = fields.Monetary()
