from odoo import Command, api, fields, models
from odoo.exceptions import UserError


class CcStaffingLineInvite(models.TransientModel):
    """Invites agents to fill the gaps of staffing lines: the lines of one
    queue and one day, from the start of the first to the end of the last.
    Lists the agents who may be invited (in the queue, not available then
    already, not on leave, with the hours left); the manager ticks them."""

    _name = "cc.staffing.line.invite"
    _description = "Invite Agents to Fill Staffing Gaps"

    line_ids = fields.Many2many("cc.staffing.line", string="Half Hours", readonly=True)
    queue_id = fields.Many2one("cc.queue", readonly=True)
    date_start = fields.Datetime(string="From", readonly=True)
    date_end = fields.Datetime(string="To", readonly=True)
    gap = fields.Integer(
        string="Agents Missing", readonly=True, help="The largest gap of the lines."
    )
    candidate_ids = fields.One2many(
        "cc.staffing.line.invite.candidate", "wizard_id", string="Agents"
    )

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        lines = self.env["cc.staffing.line"].browse(
            self.env.context.get("active_ids") or []
        )
        gaps = lines.filtered(lambda line: line.gap > 0)
        if not gaps:
            raise UserError(
                self.env._(
                    "Choose half hours with a gap (more agents to schedule than "
                    "scheduled) to invite agents to."
                )
            )
        if len(gaps.queue_id) > 1 or len(set(gaps.mapped("date"))) > 1:
            raise UserError(
                self.env._(
                    "Invite agents for one queue and one day at a time, not "
                    "%(queues)s on %(days)s days.",
                    queues=", ".join(gaps.queue_id.mapped("display_name")),
                    days=len(set(gaps.mapped("date"))),
                )
            )
        start = min(gaps.mapped("slot_start"))
        end = max(gaps.mapped("slot_end"))
        queue = gaps.queue_id
        # sudo: the queue's agents are listed to whoever may invite them (the
        # invitations' access rights, checked by _cc_reasons).
        agents = queue.sudo().agent_ids
        reasons, hours_left = self.env["cc.staffing.invitation"]._cc_reasons(
            queue, agents, start, end
        )
        values.update(
            line_ids=[Command.set(gaps.ids)],
            queue_id=queue.id,
            date_start=start,
            date_end=end,
            gap=max(gaps.mapped("gap")),
            candidate_ids=[
                Command.create(
                    {"agent_id": agent.id, "hours_left": hours_left.get(agent.id, 0)}
                )
                for agent in agents
                if agent.id not in reasons
            ],
        )
        return values

    def action_invite(self):
        self.ensure_one()
        chosen = self.candidate_ids.filtered("selected")
        if not chosen:
            raise UserError(self.env._("Tick the agents to invite."))
        line = self.line_ids.sorted("slot_start")[:1]
        invitations = self.env["cc.staffing.invitation"].create(
            [
                {
                    "agent_id": candidate.agent_id.id,
                    "queue_id": self.queue_id.id,
                    "line_id": line.id,
                    "date_start": self.date_start,
                    "date_end": self.date_end,
                }
                for candidate in chosen
            ]
        )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._(
                    "%(count)s agents invited: %(agents)s.",
                    count=len(invitations),
                    agents=", ".join(invitations.agent_id.mapped("name")),
                ),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
