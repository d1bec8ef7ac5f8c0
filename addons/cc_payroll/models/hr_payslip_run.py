import random
from datetime import date, datetime, time, timedelta

import pytz

from odoo import api, fields, models
from odoo.exceptions import UserError


def saudi_iban(bank_code, account):
    """A Saudi IBAN for ``account`` (18 digits) at ``bank_code`` (2 digits),
    with its ISO 13616 check digits."""
    bban = f"{bank_code}{account}"
    rearranged = "".join(str(int(ch, 36)) for ch in f"{bban}SA00")
    return f"SA{98 - int(rearranged) % 97:02d}{bban}"


class HrPayslipRun(models.Model):
    _inherit = "hr.payslip.run"

    def action_cc_compute(self):
        """Computes (again) every payslip of the batch not yet confirmed: the
        same contacts give the same result."""
        for run in self:
            run.slip_ids.filtered(
                lambda slip: slip.state in ("draft", "verify")
            ).compute_sheet()
        return True

    def action_cc_confirm(self):
        """Confirms the batch's computed payslips, which locks the handled
        contacts they paid, and closes the batch."""
        for run in self:
            slips = run.slip_ids.filtered(
                lambda slip: slip.state in ("draft", "verify")
            )
            if not slips and not run.slip_ids.filtered(
                lambda slip: slip.state == "done"
            ):
                raise UserError(
                    self.env._(
                        "The batch %(batch)s has no payslip to confirm.", batch=run.name
                    )
                )
            # Computed once more, all together (what they pay is what the
            # contacts say now), then confirmed without computing each again.
            slips.compute_sheet()
            slips.with_context(without_compute_sheet=True).action_payslip_done()
            run.close_payslip_run()
        return True

    @api.model
    def _cc_demo_generate(self, seed=2026):
        """Last month for the demo agents: their handled contacts of every
        working day, the flexible agents' hours, their GOSI data and bank
        accounts, and the month's payroll batch, computed."""
        rng = random.Random(seed)
        Interaction = self.env["cc.interaction"]
        agents = self.env["hr.employee"].search(
            [
                ("is_cc_agent", "=", True),
                ("id", "in", Interaction._cc_demo_agent_ids()),
            ],
            order="id",
        )
        structure = self.env.ref("cc_payroll.hr_payroll_structure_cc_agent")
        today = fields.Date.context_today(self)
        date_to = today.replace(day=1) - timedelta(days=1)
        date_from = date_to.replace(day=1)
        bank = self.env["res.bank"].search(
            [("bic", "=", "RJHISARI")], limit=1
        ) or self.env["res.bank"].create({"name": "Al Rajhi Bank", "bic": "RJHISARI"})
        partners = self.env["res.partner"].search(
            [("is_company", "=", False), ("user_ids", "=", False)], limit=40, order="id"
        )
        vals_list = []
        presence = []
        for index, agent in enumerate(agents):
            contract = agent.contract_id
            contract.struct_id = structure
            agent.cc_gosi_first_insured = date(2016 + index % 10, 1 + index % 12, 1)
            if not agent.bank_account_id:
                agent.bank_account_id = self.env["res.partner.bank"].create(
                    {
                        "acc_number": saudi_iban("80", f"{608010167500 + index:018d}"),
                        "partner_id": agent.work_contact_id.id,
                        "bank_id": bank.id,
                    }
                )
            rates = contract.cc_rate_ids.filtered("rate").mapped("channel") or [
                "inbound_call"
            ]
            tz = pytz.timezone(agent.tz or "Asia/Riyadh")
            calendar = (
                contract.resource_calendar_id or agent.company_id.resource_calendar_id
            )
            day = date_from
            while day <= date_to:
                if calendar._works_on_date(day):
                    target = contract.cc_daily_minimum or 10
                    for number in range(max(0, target + rng.randint(-3, 4))):
                        local = tz.localize(
                            datetime.combine(day, time(17))
                        ) + timedelta(minutes=rng.randint(0, 170))
                        vals_list.append(
                            {
                                "agent_id": agent.id,
                                "partner_id": rng.choice(partners).id
                                if partners
                                else False,
                                "channel": rng.choice(rates),
                                "date_start": local.astimezone(pytz.utc).replace(
                                    tzinfo=None
                                ),
                                "duration": rng.randint(60, 600),
                                "commission_base": rng.choice([0, 0, 250, 900])
                                if contract.cc_commission_rate
                                else 0,
                                "source_key": f"demo-month:{agent.id}:{day}:{number}",
                            }
                        )
                    if contract.cc_regime == "flexible":
                        start = tz.localize(datetime.combine(day, time(16)))
                        start = start.astimezone(pytz.utc).replace(tzinfo=None)
                        presence.append(
                            {
                                "agent_id": agent.id,
                                "state": "available",
                                "date_start": start,
                                "date_end": start
                                + timedelta(minutes=rng.randint(200, 330)),
                                "origin": "system",
                            }
                        )
                day += timedelta(days=1)
        Interaction._record(vals_list)
        self.env["cc.presence.log"].create(presence)
        run = self.create(
            {
                "name": self.env._(
                    "Agents %(month)s", month=date_from.strftime("%Y-%m")
                ),
                "date_start": date_from,
                "date_end": date_to,
            }
        )
        slips = self.env["hr.payslip"].create(
            [
                {
                    "employee_id": agent.id,
                    "contract_id": agent.contract_id.id,
                    "struct_id": structure.id,
                    "date_from": date_from,
                    "date_to": date_to,
                    "payslip_run_id": run.id,
                }
                for agent in agents
            ]
        )
        slips._compute_name()
        run.action_cc_compute()
        return run
