from odoo import api, fields, models
from odoo.exceptions import UserError


class CcPayAdjustment(models.Model):
    """A correction of an agent's pay found after their period was confirmed
    (a contact voided or counted late, an error): the confirmed period does
    not change, the next payslip carries the correction."""

    _name = "cc.pay.adjustment"
    _description = "Pay Correction"
    _inherit = ["mail.thread"]
    _order = "date desc, id desc"

    name = fields.Char(string="Reason", required=True, tracking=True)
    employee_id = fields.Many2one(
        "hr.employee",
        string="Agent",
        required=True,
        index=True,
        ondelete="restrict",
        tracking=True,
        domain="[('is_cc_agent', '=', True)]",
    )
    user_id = fields.Many2one(related="employee_id.user_id", store=True, index=True)
    company_id = fields.Many2one(
        related="employee_id.company_id", store=True, index=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    date = fields.Date(required=True, default=fields.Date.context_today, tracking=True)
    amount = fields.Monetary(
        required=True,
        tracking=True,
        help="Added to the next payslip's pay; negative to take back.",
    )
    interaction_id = fields.Many2one(
        "cc.interaction",
        string="Handled Contact",
        readonly=True,
        help="The contact of a confirmed period this corrects.",
    )
    payslip_id = fields.Many2one(
        "hr.payslip",
        string="Paid in",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="set null",
    )
    state = fields.Selection(
        [("pending", "To Pay"), ("applied", "Paid")],
        default="pending",
        required=True,
        readonly=True,
        index=True,
        tracking=True,
    )

    _sql_constraints = [
        (
            "amount_not_zero",
            "CHECK(amount <> 0)",
            "A correction of zero corrects nothing.",
        ),
    ]

    def write(self, vals):
        if any(adjustment.state == "applied" for adjustment in self) and set(vals) - {
            "state",
            "payslip_id",
        }:
            raise UserError(
                self.env._(
                    "The correction(s) %(names)s were paid in a confirmed payslip and "
                    "cannot change: record another correction.",
                    names=", ".join(
                        self.filtered(lambda a: a.state == "applied").mapped("name")
                    ),
                )
            )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_if_pending(self):
        if any(adjustment.state == "applied" for adjustment in self):
            raise UserError(
                self.env._(
                    "A correction paid in a confirmed payslip cannot be deleted."
                )
            )
