from odoo import fields, models

from odoo.addons.cc_agent.models.cc_channel import CHANNELS

# Payslip lines whose amount counts handled contacts, and which ones.
CONTACT_LINES = {f"CC_{channel.upper()}": channel for channel, _label in CHANNELS}
QUOTA_LINES = ("CC_QUOTA_BONUS", "CC_MISSED", "BASIC")
HOURS_LINES = ("CC_HOURS", "CC_OVERTIME")


class HrPayslipLine(models.Model):
    """Every amount of an agent's payslip leads to what it counted: the
    handled contacts, the quota days, the hours, the corrections."""

    _inherit = "hr.payslip.line"

    cc_has_sources = fields.Boolean(
        string="Has Details", compute="_compute_cc_has_sources"
    )

    def _compute_cc_has_sources(self):
        for line in self:
            code = line.code or ""
            line.cc_has_sources = bool(line.slip_id.cc_is_agent) and (
                code in CONTACT_LINES
                or code in ("CC_COMMISSION", "CC_ADJUSTMENT")
                or code in QUOTA_LINES
                or code in HOURS_LINES
            )

    def action_cc_view_sources(self):
        self.ensure_one()
        slip = self.slip_id
        code = self.code
        title = self.env._("%(line)s: what it counts", line=self.name)
        if code in CONTACT_LINES or code == "CC_COMMISSION":
            domain = slip._cc_interaction_domain()
            if code == "CC_COMMISSION":
                domain.append(("commission_base", "!=", 0))
            else:
                domain.append(("channel", "=", CONTACT_LINES[code]))
            return self._cc_action(title, "cc.interaction", domain)
        if code == "CC_ADJUSTMENT":
            return self._cc_action(
                title, "cc.pay.adjustment", [("payslip_id", "=", slip.id)]
            )
        if code in QUOTA_LINES:
            domain = [
                ("agent_id", "=", slip.employee_id.id),
                ("date", ">=", slip.date_from),
                ("date", "<=", slip.date_to),
                (
                    "state",
                    "in",
                    ("missed",) if code == "CC_MISSED" else ("met", "missed"),
                ),
            ]
            return self._cc_action(title, "cc.quota.day", domain)
        if code in HOURS_LINES:
            domain = [
                ("agent_id", "=", slip.employee_id.id),
                ("state", "in", ("available", "on_call", "wrap_up")),
                ("date_start", ">=", slip.date_from),
                ("date_start", "<", fields.Date.add(slip.date_to, days=1)),
            ]
            return self._cc_action(title, "cc.presence.log", domain)
        return False

    def _cc_action(self, title, model, domain):
        return {
            "type": "ir.actions.act_window",
            "name": title,
            "res_model": model,
            "view_mode": "list,form",
            "views": [[False, "list"], [False, "form"]],
            "domain": domain,
            "context": {"create": False},
        }
