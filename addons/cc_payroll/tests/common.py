"""An October of handled contacts for two agents, and payslips over it."""

from datetime import date, datetime, time, timedelta

import pytz

from odoo.tests import new_test_user

from odoo.addons.cc_agent.tests.common import (
    RIYADH,
    CallCenterCase,
    CallCenterFixture,
    CallCenterHttpCase,
)

OCTOBER = (date(2026, 10, 1), date(2026, 10, 31))
NOVEMBER = (date(2026, 11, 1), date(2026, 11, 30))


def working_days(first, last):
    """Sunday to Thursday, the fixture's week."""
    day = first
    while day <= last:
        if day.weekday() in (6, 0, 1, 2, 3):
            yield day
        day += timedelta(days=1)


class PayrollFixture(CallCenterFixture):
    @classmethod
    def _setup_payroll(cls):
        cls.structure = cls.env.ref("cc_payroll.hr_payroll_structure_cc_agent")
        cls.user_payroll = new_test_user(
            cls.env,
            login="cc_payroll_officer",
            name="Payroll Officer Huda",
            groups="payroll.group_payroll_manager,hr.group_hr_user",
        )
        saudi = cls.env.ref("base.sa")
        cls.agent.write({"country_id": saudi.id})
        cls.agent.sudo().cc_gosi_first_insured = date(2019, 3, 1)
        cls.agent_2.write({"country_id": cls.env.ref("base.eg").id})
        cls.Slip = cls.env["hr.payslip"]
        cls._keys = 0

    @classmethod
    def _contacts(cls, agent, day, channel="inbound_call", count=1, base=0.0):
        """``count`` contacts of ``agent`` on ``day`` at 18:00 in Riyadh."""
        start = (
            pytz.timezone(RIYADH)
            .localize(datetime.combine(day, time(18, 0)))
            .astimezone(pytz.utc)
            .replace(tzinfo=None)
        )
        vals_list = []
        for _index in range(count):
            cls._keys += 1
            vals_list.append(
                {
                    "agent_id": agent.id,
                    "channel": channel,
                    "date_start": start,
                    "duration": 120,
                    "commission_base": base,
                    "source_key": f"test-payroll:{cls._keys}",
                }
            )
        return cls.env["cc.interaction"]._record(vals_list)

    def _slip(self, contract, period=OCTOBER, compute=True):
        slip = self.Slip.create(
            {
                "employee_id": contract.employee_id.id,
                "contract_id": contract.id,
                "struct_id": self.structure.id,
                "date_from": period[0],
                "date_to": period[1],
            }
        )
        if compute:
            slip.compute_sheet()
        return slip

    @staticmethod
    def lines(slip):
        return {line.code: round(line.total, 2) for line in slip.line_ids}

    @staticmethod
    def line(slip, code):
        return slip.line_ids.filtered(lambda line: line.code == code)

    @staticmethod
    def inputs(slip):
        return {line.code: line.amount for line in slip.input_line_ids}


class PayrollCase(PayrollFixture, CallCenterCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_payroll()


class PayrollHttpCase(PayrollFixture, CallCenterHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_payroll()
