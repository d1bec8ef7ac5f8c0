from odoo import fields, models


class CcCallTransfer(models.Model):
    """The caller passed from one agent to another during a call: put
    through to another agent's phone (a blind transfer), or sent to another
    queue. Written by the phone system (see cc.call._cc_transfer); each agent
    who talked with the caller has their own handled contact, for their part
    of the call."""

    _name = "cc.call.transfer"
    _description = "Call Transfer"
    _order = "date, id"

    call_id = fields.Many2one(
        "cc.call", required=True, ondelete="cascade", index=True, readonly=True
    )
    company_id = fields.Many2one(related="call_id.company_id", store=True, index=True)
    date = fields.Datetime(
        string="Transfer Time",
        readonly=True,
        help="When the caller left the agent who transferred them.",
    )
    state = fields.Selection(
        [
            ("pending", "Ringing"),
            ("answered", "Answered"),
            ("lost", "Caller Hung Up"),
        ],
        default="pending",
        required=True,
        readonly=True,
    )
    from_agent_id = fields.Many2one("hr.employee", readonly=True, index=True)
    from_queue_id = fields.Many2one("cc.queue", readonly=True)
    from_leg = fields.Char(
        readonly=True,
        help="The FreeSWITCH Unique-ID of the leg of the agent the caller left.",
    )
    to_queue_id = fields.Many2one(
        "cc.queue",
        readonly=True,
        help="The queue the caller was sent to, if the transfer went through one.",
    )
    to_agent_id = fields.Many2one("hr.employee", readonly=True, index=True)
    to_leg = fields.Char(
        readonly=True,
        help="The FreeSWITCH Unique-ID of the leg of the agent who took the caller.",
    )
    date_offered = fields.Datetime(string="Offered", readonly=True)
    date_answered = fields.Datetime(string="Answered", readonly=True)
    interaction_id = fields.Many2one(
        "cc.interaction",
        string="Handled Contact",
        readonly=True,
        help="The handled contact of the agent who took the caller.",
    )
