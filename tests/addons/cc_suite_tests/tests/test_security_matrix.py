"""The access matrix: every model of the suite x every role x read, write,
create, unlink, as the product means it, and the rows an agent reaches.

A model added to the suite without a line in MATRIX fails the test: someone
has to decide who may do what with it. The table is the policy; the
ir.model.access lines of the addons are checked against it, not copied from
it.
"""

from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged

ROLES = {
    "agent": "cc_agent.group_cc_agent",
    "supervisor": "cc_agent.group_cc_supervisor",
    "department": "cc_ticket.group_cc_department",
    "manager": "cc_agent.group_cc_manager",
    "payroll": "payroll.group_payroll_user",
    "portal": "base.group_portal",
}
OPERATIONS = {"r": "read", "w": "write", "c": "create", "u": "unlink"}

# model: "role:rights ..." (rights among r, w, c, u); a role not named has
# no right at all on the model. Record rules narrow the rows further (an agent
# reads only their own): see OWN_ROWS below.
MATRIX = {
    # cc_agent: who the agents are and what they owe
    "cc.rule.parameter": "agent:r supervisor:r manager:rwcu payroll:r",
    "cc.rule.parameter.value": "agent:r supervisor:r manager:rwcu payroll:r",
    "cc.skill": "agent:r supervisor:r manager:rwcu payroll:r",
    "cc.break.reason": "agent:r supervisor:r manager:rwcu",
    "cc.contract.rate": "agent:r supervisor:r manager:rwcu payroll:rwcu",
    "cc.interaction": "agent:r supervisor:rwc manager:rwc payroll:r",
    "cc.interaction.void": "supervisor:rwcu manager:rwcu",
    "cc.quota.day": "agent:r supervisor:r manager:r payroll:r",
    "cc.presence.log": "agent:r supervisor:r manager:r payroll:r",
    "cc.agent.device": "agent:r supervisor:r manager:rw",
    "cc.availability.slot": "agent:rwcu supervisor:rwcu manager:rwcu",
    "cc.availability.notice": "supervisor:r manager:r",
    # cc_ticket: what customers ask for
    "cc.service.type": "agent:r supervisor:r department:r manager:rwcu",
    "cc.service.checklist.item": "agent:r supervisor:r department:r manager:rwcu",
    # Portal: a customer's own requests (record rule), read only.
    "cc.ticket": "agent:rwc supervisor:rwc department:rw manager:rwcu portal:r",
    "cc.ticket.checklist": "agent:rwc supervisor:rwc department:r manager:rwc",
    "cc.ticket.escalation": "agent:r supervisor:r department:r manager:r",
    "cc.ticket.verification": "agent:r supervisor:r manager:r",
    "cc.ticket.escalate": "agent:rwcu supervisor:rwcu manager:rwcu",
    "cc.ticket.send.back": "department:rwcu manager:rwcu",
    "cc.ticket.verify": "agent:rwcu supervisor:rwcu manager:rwcu",
    "cc.ticket.report.export": "supervisor:rwcu manager:rwcu",
    # cc_telephony: the phone system
    "cc.pbx.server": "supervisor:r manager:rwcu",
    "cc.queue": "agent:r supervisor:r manager:rwcu",
    "cc.call": "agent:rw supervisor:rw manager:rw",
    "cc.call.transfer": "agent:r supervisor:r manager:r",
    "cc.sip.account": "agent:r supervisor:r manager:r",
    "cc.sip.provisioning": "agent:r supervisor:r manager:r",
    "cc.call.route.override": "agent:rwcu supervisor:rwcu manager:rwcu",
    "cc.callback": "agent:r supervisor:rwc manager:rwcu",
    "cc.queue.kpi.export": "supervisor:rwc manager:rwc",
    "cc.queue.demand": "supervisor:r manager:rwcu",
    "cc.queue.demand.learn": "manager:rwcu",
    "cc.staffing.line": "supervisor:rwcu manager:rwcu",
    "cc.staffing.line.plan": "supervisor:rwcu manager:rwcu",
    "cc.staffing.line.invite": "supervisor:rwcu manager:rwcu",
    "cc.staffing.line.invite.candidate": "supervisor:rwcu manager:rwcu",
    "cc.staffing.invitation": "agent:r supervisor:rwc manager:rwcu",
    "cc.summons.episode": "supervisor:r manager:r",
    "cc.summons": "supervisor:r manager:r",
    # cc_payroll: pay
    "cc.pay.adjustment": "agent:r supervisor:r manager:r payroll:rwcu",
    "cc.pay.estimate": "agent:rwc supervisor:rwc manager:rwc",
    "cc.pay.estimate.line": "agent:rwc supervisor:rwc manager:rwc",
    "cc.payroll.export": "payroll:rwc",
    # Core models the suite opens to its roles
    "hr.payslip": "agent:r supervisor:r manager:r payroll:rwcu",
    "hr.payslip.line": "agent:r supervisor:r manager:r payroll:rwcu",
}

# Models whose rows belong to one agent: the path from a row to the agent's
# user. An agent reads none of another agent's rows.
OWN_ROWS = {
    "cc.interaction": "agent_id.user_id",
    "cc.quota.day": "agent_id.user_id",
    "cc.presence.log": "agent_id.user_id",
    "cc.agent.device": "agent_id.user_id",
    "cc.availability.slot": "agent_id.user_id",
    "cc.call": "agent_id.user_id",
    "cc.sip.account": "user_id",
    "cc.callback": "agent_id.user_id",
    "cc.staffing.invitation": "agent_id.user_id",
    "cc.pay.adjustment": "employee_id.user_id",
    "hr.payslip": "employee_id.user_id",
    "hr.payslip.line": "slip_id.employee_id.user_id",
}


def parse(line):
    rights = {}
    for part in line.split():
        role, letters = part.split(":")
        assert role in ROLES, f"unknown role {role} in {line!r}"
        rights[role] = set(letters)
    return rights


@tagged("post_install", "-at_install")
class TestSecurityMatrix(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.users = {
            role: new_test_user(
                cls.env, login=f"matrix_{role}", name=f"Matrix {role}", groups=group
            )
            for role, group in ROLES.items()
        }

    def test_every_model_of_the_suite_is_in_the_matrix(self):
        suite = {
            name
            for name, model in self.env.registry.items()
            if name.startswith("cc.") and not model._abstract
        }
        self.assertEqual(
            sorted(suite - set(MATRIX)), [], "models of the suite missing in MATRIX"
        )
        self.assertEqual(
            sorted(set(name for name in MATRIX if name.startswith("cc.")) - suite),
            [],
            "models in MATRIX the suite does not have",
        )

    def test_rights_of_every_role_on_every_model(self):
        wrong = []
        for model, line in MATRIX.items():
            expected = parse(line)
            for role, user in self.users.items():
                Model = self.env[model].with_user(user)
                for letter, operation in OPERATIONS.items():
                    want = letter in expected.get(role, set())
                    has = Model.has_access(operation)
                    if has != want:
                        wrong.append(
                            f"{model}: {role} {'can' if has else 'cannot'} "
                            f"{operation} (the matrix says {'yes' if want else 'no'})"
                        )
        self.assertFalse(wrong, "\n" + "\n".join(wrong))

    def test_a_portal_customer_reads_only_their_own_requests(self):
        portal = self.users["portal"]
        Ticket = self.env["cc.ticket"]
        others = Ticket.search([])
        self.assertTrue(others, "the demo data has requests of other customers")
        service = self.env["cc.service.type"].search([], limit=1)
        mine = Ticket.create(
            {
                "subject": "My router",
                "partner_id": portal.partner_id.id,
                "service_type_id": service.id,
                "channel": "email",
            }
        )
        self.assertEqual(Ticket.with_user(portal).search([]), mine)
        with self.assertRaises(AccessError):
            others[0].with_user(portal).read(["subject"])
        with self.assertRaises(AccessError):
            mine.with_user(portal).write({"subject": "Changed"})

    @classmethod
    def _plain_agents(cls):
        """The demo agents who are nothing more than agents."""
        return (
            cls.env["hr.employee"]
            .search([("is_cc_agent", "=", True), ("user_id", "!=", False)])
            .user_id.filtered(
                lambda u: u.has_group("cc_agent.group_cc_agent")
                and not any(
                    u.has_group(group)
                    for group in (
                        "cc_agent.group_cc_supervisor",
                        "payroll.group_payroll_user",
                        "hr.group_hr_user",
                    )
                )
            )
            .employee_ids
        )

    @classmethod
    def _give_rows(cls, agents):
        """Rows the demo day has for one agent or none: a device, a phone
        account, a callback, an invitation and a pay correction for each."""
        server = cls.env["cc.pbx.server"].search([], limit=1)
        queue = cls.env["cc.queue"].search([], limit=1)
        queue.agent_ids |= agents
        start = cls._free_hour(queue, agents)
        for index, agent in enumerate(agents):
            device = cls.env["cc.agent.device"].create(
                {"agent_id": agent.id, "name": f"Phone {index}", "kind": "phone"}
            )
            cls.env["cc.sip.account"]._cc_create_for(agent, server, "softphone", device)
            cls.env["cc.callback"].create(
                {
                    "queue_id": queue.id,
                    "number": f"+96650123450{index}",
                    "agent_id": agent.id,
                    "state": "assigned",
                }
            )
            cls.env["cc.staffing.invitation"].create(
                {
                    "agent_id": agent.id,
                    "queue_id": queue.id,
                    "date_start": start,
                    "date_end": start + timedelta(hours=1),
                }
            )
            cls.env["cc.pay.adjustment"].create(
                {"employee_id": agent.id, "name": "Correction", "amount": 10.0}
            )

    @classmethod
    def _free_hour(cls, queue, agents):
        """The first hour of the coming week all ``agents`` may be invited to
        work in ``queue`` (in the queue, no slot then, hours left)."""
        Invitation = cls.env["cc.staffing.invitation"]
        first = fields.Datetime.now().replace(minute=0, second=0, microsecond=0)
        for hours in range(24, 24 * 8):
            start = first + timedelta(hours=hours)
            reasons, _left = Invitation._cc_reasons(
                queue, agents, start, start + timedelta(hours=1)
            )
            if not reasons:
                return start
        raise AssertionError("no hour of the coming week to invite the agents to")

    def test_an_agent_reads_only_their_own_rows(self):
        """Each plain agent searches every model of rows owned by agents and
        gets only their own; the other agents' rows exist (the demo day's
        calls, contacts, presence, quotas, payslips, and a few rows more)."""
        agents = self._plain_agents()
        self.assertGreaterEqual(len(agents), 2, "the demo data has several agents")
        self._give_rows(agents)
        for model, path in OWN_ROWS.items():
            Model = self.env[model].sudo()
            with self.subTest(model=model):
                for agent in agents:
                    user = agent.user_id
                    mine = Model.search([(path, "=", user.id)])
                    others = Model.search_count([("id", "not in", mine.ids)])
                    self.assertTrue(others, f"no row of another agent in {model}")
                    seen = self.env[model].with_user(user).search([])
                    self.assertFalse(
                        seen - mine,
                        f"{user.name} reads {len(seen - mine)} {model} rows of others",
                    )
