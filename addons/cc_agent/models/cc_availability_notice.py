from odoo import fields, models


class CcAvailabilityNotice(models.Model):
    """What was done for an agent as one of their availability slots started
    or ended: the trail of reminders and logouts, and what keeps the job that
    sends them from doing it twice (it runs again and again over the same
    minutes). Kept apart from the employee, whose row the telephony listener
    locks on every change of state."""

    _name = "cc.availability.notice"
    _description = "Availability Slot Reminder or Logout"
    _inherit = ["cc.agent.owned.mixin"]
    _order = "moment desc, id desc"

    kind = fields.Selection(
        [("start", "Slot start"), ("end", "Slot end")], required=True
    )
    moment = fields.Datetime(
        required=True, index=True, help="When the slot started or ended."
    )
    outcome = fields.Selection(
        [
            ("reminded", "Reminded"),
            ("online", "Online already"),
            ("logged_out", "Logged out"),
            ("after_call", "Logged out after the call"),
            ("kept", "Kept online"),
            ("offline", "Offline already"),
        ],
        required=True,
    )

    _sql_constraints = [
        (
            "agent_kind_moment_unique",
            "unique(agent_id, kind, moment)",
            "An agent's slot start or end is handled once.",
        ),
    ]
