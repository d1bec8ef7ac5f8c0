from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .cc_channel import CHANNELS


class CcContractRate(models.Model):
    """What one kind of handled contact pays an agent, and whether it counts
    toward the contract's daily minimum."""

    _name = "cc.contract.rate"
    _description = "Call Center Contract Rate"
    _order = "contract_id, channel"

    contract_id = fields.Many2one(
        "hr.contract", required=True, ondelete="cascade", index=True
    )
    channel = fields.Selection(CHANNELS, string="Contact Type", required=True)
    rate = fields.Monetary(
        string="Pay per Contact",
        currency_field="currency_id",
        help="Paid for each valid handled contact of this type.",
    )
    counts_for_quota = fields.Boolean(
        string="Counts for Daily Minimum",
        default=True,
        help="Contacts of this type count toward the contract's daily minimum.",
    )
    currency_id = fields.Many2one(related="contract_id.currency_id")

    _sql_constraints = [
        (
            "contract_channel_unique",
            "unique(contract_id, channel)",
            "A contract has one rate per contact type.",
        ),
    ]

    @api.constrains("rate")
    def _check_rate(self):
        for line in self:
            if line.rate < 0:
                raise ValidationError(
                    self.env._(
                        "Contract %(contract)s: the field 'Pay per Contact' cannot be "
                        "negative (%(rate)s).",
                        contract=line.contract_id.name,
                        rate=line.rate,
                    )
                )
