from odoo import fields, models


class CcInteraction(models.Model):
    _inherit = "cc.interaction"

    cc_payslip_id = fields.Many2one(
        "hr.payslip",
        string="Payslip",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="set null",
        groups="payroll.group_payroll_user",
        help="The payslip that counts this contact.",
    )

    def _cc_paid_amount(self):
        """What this contact earned on the payslip that paid it: its type's
        rate and its share of commission, under that payslip's contract."""
        self.ensure_one()
        slip = self.sudo().cc_payslip_id
        contract = slip.contract_id
        if not contract:
            return 0.0
        amount = 0.0
        if contract.cc_pay_scheme in ("per_contact", "mixed"):
            amount += sum(
                contract.cc_rate_ids.filtered(
                    lambda r: r.channel == self.channel
                ).mapped("rate")
            )
        if contract.cc_pay_scheme in ("commission", "mixed"):
            amount += self.commission_base * contract.cc_commission_rate / 100.0
        return contract.currency_id.round(amount)

    def action_cc_correct_next_pay(self):
        """A locked contact was wrong: a correction for the agent's next pay,
        prefilled with taking back what the contact earned (change the amount
        if the correction is another)."""
        self.ensure_one()
        amount = self._cc_paid_amount()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Correct in Next Pay"),
            "res_model": "cc.pay.adjustment",
            "view_mode": "form",
            "views": [[False, "form"]],
            "target": "current",
            "context": {
                "default_employee_id": self.agent_id.id,
                "default_interaction_id": self.id,
                "default_name": self.env._(
                    "Correction of %(contact)s", contact=self.reference
                ),
                "default_amount": -amount if amount else False,
            },
        }
