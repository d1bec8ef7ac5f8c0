from collections import defaultdict
from datetime import datetime, time, timedelta

import pytz
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools.misc import format_date

from .cc_queue_demand import DEFAULT_TZ


class CcStaffingInvitation(models.Model):
    """A manager's invitation to an agent to take a queue's calls at a time
    the staffing view shows a gap.

    The agent answers it; accepting adds a one-off ('extra') availability
    slot for that time, made as the agent, so that the slot's own rules (hour
    caps, Ramadan, weekend, holidays) apply, and the next staffing plan counts
    the agent as scheduled."""

    _name = "cc.staffing.invitation"
    _description = "Invitation to Fill a Staffing Gap"
    _inherit = ["cc.agent.owned.mixin", "mail.thread"]
    _order = "date_start desc, id desc"

    queue_id = fields.Many2one("cc.queue", required=True, readonly=True, index=True)
    line_id = fields.Many2one(
        "cc.staffing.line",
        string="Staffing Line",
        readonly=True,
        ondelete="set null",
        help="The half hour whose gap the invitation was sent for.",
    )
    date_start = fields.Datetime(string="From", required=True, readonly=True)
    date_end = fields.Datetime(string="To", required=True, readonly=True)
    when_label = fields.Char(
        string="When", compute="_compute_when_label", help="In the agent's time zone."
    )
    state = fields.Selection(
        [
            ("sent", "Sent"),
            ("accepted", "Accepted"),
            ("declined", "Declined"),
            ("expired", "Expired"),
        ],
        default="sent",
        required=True,
        readonly=True,
        index=True,
    )
    date_answered = fields.Datetime(string="Answered On", readonly=True)
    invited_by_id = fields.Many2one(
        "res.users",
        readonly=True,
        default=lambda self: self.env.user,
    )
    slot_id = fields.Many2one(
        "cc.availability.slot",
        string="Availability Slot",
        readonly=True,
        ondelete="set null",
        help="The one-off availability the agent added by accepting.",
    )

    _sql_constraints = [
        (
            "dates_ordered",
            "CHECK(date_end > date_start)",
            "An invitation ends after it starts.",
        ),
    ]

    @api.depends("date_start", "date_end", "agent_id")
    def _compute_when_label(self):
        for invitation in self:
            if not (invitation.date_start and invitation.date_end):
                invitation.when_label = False
                continue
            tz = invitation._cc_agent_tz()
            start, end = (
                pytz.utc.localize(moment).astimezone(tz)
                for moment in (invitation.date_start, invitation.date_end)
            )
            invitation.when_label = self.env._(
                "%(day)s, %(start)s–%(end)s",
                day=format_date(self.env, start.date(), date_format="EEE d MMM"),
                start=start.strftime("%H:%M"),
                end=end.strftime("%H:%M"),
            )

    @api.depends("agent_id", "queue_id", "when_label")
    def _compute_display_name(self):
        for invitation in self:
            invitation.display_name = self.env._(
                "%(queue)s, %(when)s",
                queue=invitation.queue_id.display_name,
                when=invitation.when_label,
            )

    @api.model_create_multi
    def create(self, vals_list):
        invitations = super().create(vals_list)
        invitations._cc_check_eligible()
        invitations._cc_notify_agents()
        return invitations

    # ------------------------------------------------------------------
    # Answering
    # ------------------------------------------------------------------

    def action_accept(self):
        """The agent takes the time: a one-off availability slot, checked by
        the slot's own rules (a clear error when it breaks a cap)."""
        self._cc_check_mine()
        now = fields.Datetime.now()
        for invitation in self:
            invitation._cc_check_open(now)
            slots = self.env["cc.availability.slot"]
            try:
                # Made as the agent: the slot's rules and access apply as if
                # they had added the availability themselves.
                with self.env.cr.savepoint():
                    slots = slots.create(invitation._cc_slot_values())
            except (ValidationError, UserError) as error:
                raise UserError(
                    self.env._(
                        "You cannot take %(queue)s on %(when)s: %(reason)s",
                        queue=invitation.queue_id.display_name,
                        when=invitation.when_label,
                        reason=error.args[0],
                    )
                ) from error
            # sudo: an agent may not write invitations; they answer their own
            # (checked above), through this method.
            invitation.sudo().write(
                {"state": "accepted", "date_answered": now, "slot_id": slots[:1].id}
            )
            invitation._cc_notify_inviter()
        return True

    def action_decline(self):
        self._cc_check_mine()
        now = fields.Datetime.now()
        for invitation in self:
            invitation._cc_check_open(now)
            # sudo: the agent answers their own invitation (checked above).
            invitation.sudo().write({"state": "declined", "date_answered": now})
            invitation._cc_notify_inviter()
        return True

    def _cc_check_mine(self):
        """Only the invited agent answers, nobody on their behalf."""
        self.check_access("read")
        for invitation in self:
            if invitation.user_id != self.env.user:
                raise AccessError(
                    self.env._(
                        "Only %(agent)s can answer the invitation %(invitation)s.",
                        agent=invitation.agent_id.name,
                        invitation=invitation.display_name,
                    )
                )

    def _cc_check_open(self, now):
        self.ensure_one()
        if self.state != "sent":
            raise UserError(
                self.env._(
                    "The invitation %(invitation)s was already answered (%(state)s).",
                    invitation=self.display_name,
                    state=dict(self._fields["state"]._description_selection(self.env))[
                        self.state
                    ],
                )
            )
        if self.date_end <= now:
            raise UserError(
                self.env._(
                    "The invitation %(invitation)s has expired: its time is over.",
                    invitation=self.display_name,
                )
            )

    # ------------------------------------------------------------------
    # Eligibility
    # ------------------------------------------------------------------

    @api.model
    def _cc_reasons(self, queue, agents, start, end, exclude=()):
        """Why each of ``agents`` cannot be invited to take ``queue`` from
        ``start`` to ``end`` (naive UTC): {agent id: reason}; the eligible
        agents are absent. And {agent id: hours left that day}.

        Eligible: in the queue, with a user to answer, not available then
        already, not on leave, not invited for an overlapping time already,
        with enough hours left under their caps. Read for all the agents at
        once. ``exclude``: invitations not to count as overlapping ones."""
        self.check_access("create")
        # sudo: who invites agents (checked by the access rights on
        # invitations) must see every agent's availability, leaves and hours,
        # which record rules keep to the agent and their supervisor.
        agents = agents.sudo()
        hours = (end - start).total_seconds() / 3600
        scheduled = {
            agent_id
            for agent_id, _from, _to in self.env["cc.availability.slot"]
            .sudo()
            ._cc_occurrences(agents, start, end)
        }
        Employee = self.env["hr.employee"].sudo()
        on_leave = Employee._cc_on_leave(agents, start, end)
        hours_left = Employee._cc_hours_left(agents, when=start)
        invited = set(
            self.sudo()
            .search(
                [
                    ("agent_id", "in", agents.ids),
                    ("state", "in", ("sent", "accepted")),
                    ("date_start", "<", end),
                    ("date_end", ">", start),
                    ("id", "not in", list(exclude)),
                ]
            )
            .agent_id.ids
        )
        reasons = {}
        for agent in agents:
            if agent not in queue.sudo().agent_ids:
                reason = self.env._("not an agent of the queue")
            elif not agent.user_id:
                reason = self.env._("no user to answer with")
            elif agent.id in scheduled:
                reason = self.env._("already available then")
            elif agent.id in on_leave:
                reason = self.env._("on leave or a public holiday")
            elif agent.id in invited:
                reason = self.env._("already invited for that time")
            elif hours_left.get(agent.id, 0.0) < hours - 1e-6:
                reason = self.env._(
                    "%(left)s hours left under their caps, %(hours)s needed",
                    left=round(hours_left.get(agent.id, 0.0), 2),
                    hours=round(hours, 2),
                )
            else:
                continue
            reasons[agent.id] = reason
        return reasons, hours_left

    def _cc_check_eligible(self):
        groups = defaultdict(lambda: self.browse())
        for invitation in self:
            if invitation.date_end <= fields.Datetime.now():
                raise ValidationError(
                    self.env._(
                        "The field 'To' of an invitation must be in the future, not "
                        "%(date)s.",
                        date=invitation.date_end,
                    )
                )
            key = (invitation.queue_id, invitation.date_start, invitation.date_end)
            groups[key] |= invitation
        for (queue, start, end), invitations in groups.items():
            if len(invitations.agent_id) < len(invitations):
                raise ValidationError(
                    self.env._("An agent is invited once for the same time.")
                )
            # The invitations just created would count as overlapping ones.
            reasons, _hours = self._cc_reasons(
                queue, invitations.agent_id, start, end, exclude=invitations.ids
            )
            for invitation in invitations:
                if invitation.agent_id.id in reasons:
                    raise ValidationError(
                        self.env._(
                            "%(agent)s cannot be invited to %(queue)s on %(when)s: "
                            "%(reason)s.",
                            agent=invitation.agent_id.name,
                            queue=queue.display_name,
                            when=invitation.when_label,
                            reason=reasons[invitation.agent_id.id],
                        )
                    )

    # ------------------------------------------------------------------
    # The slot and the notifications
    # ------------------------------------------------------------------

    def _cc_agent_tz(self):
        self.ensure_one()
        return pytz.timezone(
            self.agent_id.sudo().tz
            or self.agent_id.sudo().company_id.resource_calendar_id.tz
            or DEFAULT_TZ
        )

    def _cc_slot_values(self):
        """The one-off slots of the invitation's time, in the agent's time zone
        (two when it crosses their midnight)."""
        self.ensure_one()
        tz = self._cc_agent_tz()
        start = pytz.utc.localize(self.date_start).astimezone(tz)
        end = pytz.utc.localize(self.date_end).astimezone(tz)
        vals_list = []
        day = start.date()
        while day <= end.date():
            day_start = max(start, tz.localize(datetime.combine(day, time.min)))
            next_day = tz.localize(datetime.combine(day + timedelta(days=1), time.min))
            day_end = min(end, next_day)
            if day_end > day_start:
                vals_list.append(
                    {
                        "agent_id": self.agent_id.id,
                        "kind": "extra",
                        "date": day,
                        "hour_from": day_start.hour + day_start.minute / 60,
                        "hour_to": 24.0
                        if day_end == next_day
                        else day_end.hour + day_end.minute / 60,
                    }
                )
            day += timedelta(days=1)
        return vals_list

    def _cc_link(self):
        return f"/odoo/action-cc_telephony.cc_staffing_invitation_action_my/{self.id}"

    def _cc_notify_agents(self):
        """An Odoo notification (inbox or e-mail, as the agent chose) with a
        link to answer, and a push to their open tabs."""
        for invitation in self:
            user = invitation.agent_id.sudo().user_id
            body = Markup("<p>%s</p><p><a href='%s'>%s</a></p>") % (
                self.env._(
                    "Calls are waiting without enough agents: can you take "
                    "%(queue)s on %(when)s?",
                    queue=invitation.queue_id.display_name,
                    when=invitation.when_label,
                ),
                invitation._cc_link(),
                self.env._("Accept or decline"),
            )
            invitation.message_notify(
                partner_ids=user.partner_id.ids,
                subject=self.env._(
                    "Invitation: %(queue)s on %(when)s",
                    queue=invitation.queue_id.display_name,
                    when=invitation.when_label,
                ),
                body=body,
            )
            user._bus_send(
                "cc_telephony/staffing_invitation",
                {
                    "id": invitation.id,
                    "queue": invitation.queue_id.display_name,
                    "when": invitation.when_label,
                    "url": invitation._cc_link(),
                },
            )

    def _cc_notify_inviter(self):
        """Tells the manager who invited the agent what they answered."""
        for invitation in self:
            partner = invitation.invited_by_id.partner_id
            if not partner:
                continue
            message = (
                self.env._(
                    "%(agent)s accepted to take %(queue)s on %(when)s.",
                    agent=invitation.agent_id.name,
                    queue=invitation.queue_id.display_name,
                    when=invitation.when_label,
                )
                if invitation.state == "accepted"
                else self.env._(
                    "%(agent)s declined to take %(queue)s on %(when)s.",
                    agent=invitation.agent_id.name,
                    queue=invitation.queue_id.display_name,
                    when=invitation.when_label,
                )
            )
            # sudo: the agent notifies the manager of their own answer.
            invitation.sudo().message_notify(
                partner_ids=partner.ids, subject=message, body=message
            )

    @api.model
    def _cc_cron_expire(self):
        """Invitations nobody answered before their time was over."""
        self.search(
            [("state", "=", "sent"), ("date_end", "<=", fields.Datetime.now())]
        ).write({"state": "expired"})
