import logging
import re
from datetime import timedelta

from odoo import api, fields, models, tools
from odoo.exceptions import AccessError, UserError

_logger = logging.getLogger(__name__)

STAGES = [
    ("new", "New"),
    ("in_progress", "In Progress"),
    ("waiting", "Waiting on Customer"),
    ("escalated", "Escalated"),
    ("resolved", "Resolved"),
    ("closed", "Closed"),
]
OPEN_STAGES = ("new", "in_progress", "waiting", "escalated")
DONE_STAGES = ("resolved", "closed")
SLA_STATUSES = [
    ("none", "No target"),
    ("running", "On time"),
    ("paused", "Paused"),
    ("breached", "Breached"),
    ("met", "Met"),
    ("missed", "Missed"),
]
# How many requests one run of the SLA job escalates; the cron runs again at
# once while more are left (ir.cron progress).
ESCALATION_BATCH = 200
# The ticket number, as it appears in e-mail subjects: [TCK/2026/00042].
NUMBER_IN_SUBJECT = re.compile(r"\[([A-Z]+/\d{4}/\d+)\]")


class CcTicket(models.Model):
    """A customer's request, followed until the customer is served.

    The agent who takes it (the owner) stays responsible until it is resolved,
    also while a department works on it. Three SLA clocks count in working
    hours: the first response and the resolution by the agent (the agent tier),
    and the resolution by the department once escalated (the department
    tier). Waiting on the customer pauses them.
    """

    _name = "cc.ticket"
    _description = "Customer Request"
    _inherit = ["portal.mixin", "mail.thread.cc", "mail.activity.mixin"]
    _order = "priority desc, id desc"
    _primary_email = "contact_email"

    name = fields.Char(
        string="Number",
        required=True,
        readonly=True,
        copy=False,
        index="trigram",
        default="/",
    )
    subject = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    partner_id = fields.Many2one(
        "res.partner", string="Customer", index=True, tracking=True
    )
    contact_phone = fields.Char(compute="_compute_contact", store=True, readonly=False)
    contact_email = fields.Char(
        compute="_compute_contact", store=True, readonly=False, string="Contact E-mail"
    )
    channel = fields.Selection(
        [
            ("phone", "Phone"),
            ("email", "E-mail"),
            ("web", "Web"),
            ("walk_in", "Walk-in"),
        ],
        required=True,
        default="phone",
    )
    service_type_id = fields.Many2one("cc.service.type", index=True, tracking=True)
    category = fields.Selection(related="service_type_id.category", store=True)
    description = fields.Html()
    amount = fields.Monetary(
        currency_field="currency_id",
        tracking=True,
        help="The amount at stake (a refund, a payment plan...): above the service "
        "type's limit, the request goes to the department.",
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    owner_id = fields.Many2one(
        "hr.employee",
        index=True,
        tracking=True,
        domain="[('is_cc_agent', '=', True)]",
        help="The agent responsible for the request until it is resolved.",
    )
    owner_user_id = fields.Many2one(
        "res.users",
        related="owner_id.user_id",
        store=True,
        index=True,
        string="Owner User",
    )
    supervisor_user_id = fields.Many2one(
        "res.users",
        related="owner_id.parent_id.user_id",
        store=True,
        index=True,
        string="Supervisor",
    )
    department_id = fields.Many2one(
        "hr.department",
        index=True,
        tracking=True,
        help="Where the request was escalated.",
    )
    department_user_id = fields.Many2one(
        "res.users",
        string="Handled in Department by",
        tracking=True,
        help="Who accepted the escalated request in the department.",
    )
    stage = fields.Selection(
        STAGES,
        required=True,
        default="new",
        index=True,
        tracking=True,
        group_expand=True,
    )
    priority = fields.Selection(
        [("0", "Normal"), ("1", "High"), ("2", "Urgent")], default="0", index=True
    )
    parent_id = fields.Many2one(
        "cc.ticket",
        string="Follows",
        help="The earlier request this one follows (a reply long after it closed).",
    )
    lead_id = fields.Many2one("crm.lead", string="Opportunity", tracking=True)
    queue_wait = fields.Integer(
        string="Wait in Queue (s)",
        help="How long the customer waited in the phone queue before an agent "
        "answered, for requests taken on a call.",
    )
    checklist_ids = fields.One2many("cc.ticket.checklist", "ticket_id")
    escalation_ids = fields.One2many(
        "cc.ticket.escalation", "ticket_id", string="Escalations"
    )
    escalation_count = fields.Integer(compute="_compute_escalation_count")
    verification_ids = fields.One2many(
        "cc.ticket.verification", "ticket_id", string="Identity Checks"
    )
    verification_required = fields.Boolean(
        related="service_type_id.verification_required"
    )
    identity_verified = fields.Boolean(
        compute="_compute_identity", store=True, string="Caller Verified"
    )
    identity_verified_at = fields.Datetime(compute="_compute_identity", store=True)
    identity_method = fields.Selection(
        [("email", "Code by e-mail"), ("sms", "Code by SMS")],
        compute="_compute_identity",
        store=True,
    )

    # Dates and SLA clocks
    date_first_response = fields.Datetime(
        string="First Response", readonly=True, copy=False
    )
    date_escalated = fields.Datetime(string="Escalated On", readonly=True, copy=False)
    date_resolved = fields.Datetime(
        string="Resolved On", readonly=True, copy=False, index=True
    )
    date_closed = fields.Datetime(string="Closed On", readonly=True, copy=False)
    sla_response_deadline = fields.Datetime(
        string="First Response Deadline", readonly=True, copy=False, index=True
    )
    sla_resolution_deadline = fields.Datetime(
        string="Agent Deadline", readonly=True, copy=False, index=True
    )
    sla_department_deadline = fields.Datetime(
        string="Department Deadline", readonly=True, copy=False, index=True
    )
    sla_response_status = fields.Selection(
        SLA_STATUSES,
        string="First Response SLA",
        default="none",
        readonly=True,
        index=True,
    )
    sla_resolution_status = fields.Selection(
        SLA_STATUSES, string="Agent SLA", default="none", readonly=True, index=True
    )
    sla_department_status = fields.Selection(
        SLA_STATUSES, string="Department SLA", default="none", readonly=True, index=True
    )
    sla_agent_start = fields.Datetime(
        string="Agent Clock Start",
        readonly=True,
        copy=False,
        help="When the agent's resolution clock started: the request's creation, "
        "or its return to the agent (sent back, reopened).",
    )
    sla_paused_since = fields.Datetime(string="Paused Since", readonly=True, copy=False)
    sla_paused_hours = fields.Float(
        string="Paused Hours",
        readonly=True,
        copy=False,
        help="Working hours spent waiting on the customer.",
    )
    department_paused_hours = fields.Float(readonly=True, copy=False)
    sla_breached = fields.Boolean(
        compute="_compute_sla_breached",
        search="_search_sla_breached",
        string="SLA Breached",
    )
    resolution_hours = fields.Float(
        string="Resolution Time (h)",
        readonly=True,
        copy=False,
        aggregator="avg",
        help="Calendar hours from the request to its resolution.",
    )

    _sql_constraints = [
        (
            "name_company_unique",
            "unique(name, company_id)",
            "Request numbers are unique.",
        ),
    ]

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------

    @api.depends("partner_id")
    def _compute_contact(self):
        for ticket in self:
            if ticket.partner_id:
                ticket.contact_phone = (
                    ticket.partner_id.mobile
                    or ticket.partner_id.phone
                    or ticket.contact_phone
                )
                ticket.contact_email = ticket.partner_id.email or ticket.contact_email

    def _compute_escalation_count(self):
        counts = dict(
            self.env["cc.ticket.escalation"]._read_group(
                [("ticket_id", "in", self.ids)], ["ticket_id"], ["__count"]
            )
        )
        for ticket in self:
            ticket.escalation_count = counts.get(ticket, 0)

    @api.depends("verification_ids.state", "verification_ids.verified_at")
    def _compute_identity(self):
        for ticket in self:
            verified = ticket.verification_ids.filtered(lambda v: v.state == "verified")
            last = verified.sorted("verified_at")[-1:]
            ticket.identity_verified = bool(last)
            ticket.identity_verified_at = last.verified_at
            ticket.identity_method = last.method

    @api.depends(
        "sla_response_status", "sla_resolution_status", "sla_department_status"
    )
    def _compute_sla_breached(self):
        for ticket in self:
            ticket.sla_breached = "breached" in (
                ticket.sla_response_status,
                ticket.sla_resolution_status,
                ticket.sla_department_status,
            ) or "missed" in (
                ticket.sla_response_status,
                ticket.sla_resolution_status,
                ticket.sla_department_status,
            )

    def _search_sla_breached(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(
                self.env._("Search 'SLA Breached' with = or != True/False.")
            )
        bad = ("breached", "missed")
        domain = [
            "|",
            "|",
            ("sla_response_status", "in", bad),
            ("sla_resolution_status", "in", bad),
            ("sla_department_status", "in", bad),
        ]
        if (operator == "=") != value:
            domain = ["!", *domain]
        return domain

    @api.depends("name", "subject")
    def _compute_display_name(self):
        # As in e-mail subjects, where a reply finds its request by the number.
        for ticket in self:
            ticket.display_name = f"[{ticket.name}] {ticket.subject or ''}".strip()

    def _compute_access_url(self):
        result = super()._compute_access_url()
        for ticket in self:
            ticket.access_url = f"/my/tickets/{ticket.id}"
        return result

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                company = self.env["res.company"].browse(
                    vals.get("company_id") or self.env.company.id
                )
                vals["name"] = (
                    self.env["ir.sequence"]
                    .with_company(company)
                    .next_by_code("cc.ticket")
                )
        tickets = super().create(vals_list)
        now = fields.Datetime.now()
        for ticket in tickets:
            ticket._start_agent_clocks(ticket.create_date or now)
            if ticket.channel in ("phone", "walk_in"):
                # On the phone or at the counter, the customer is answered at once.
                ticket._set_first_response(ticket.create_date or now)
            if ticket.stage == "waiting":
                ticket._pause_clocks(ticket.create_date or now)
            ticket._sync_checklist()
        return tickets

    def write(self, vals):
        if "stage" in vals:
            self._check_stage_change(vals["stage"])
        previous = {ticket.id: ticket.stage for ticket in self}
        result = super().write(vals)
        if "service_type_id" in vals:
            for ticket in self.filtered(lambda t: t.stage in OPEN_STAGES):
                ticket._sync_checklist()
                if ticket.stage != "escalated":
                    ticket._start_agent_clocks(
                        ticket.sla_agent_start or ticket.create_date
                    )
        if "stage" in vals:
            for ticket in self:
                ticket._on_stage_change(previous[ticket.id], vals["stage"])
        return result

    # ------------------------------------------------------------------
    # SLA clocks
    # ------------------------------------------------------------------

    def _plan(self, start, hours):
        """The moment ``hours`` working hours after ``start`` in the service's
        calendar (its public holidays skipped)."""
        calendar = self.service_type_id._sla_calendar()
        if not calendar:
            return start + timedelta(hours=hours)
        return calendar.plan_hours(hours, start, compute_leaves=True)

    def _working_hours_between(self, start, stop):
        calendar = self.service_type_id._sla_calendar()
        if not calendar:
            return (stop - start).total_seconds() / 3600
        return calendar.get_work_hours_count(start, stop, compute_leaves=True)

    def _start_agent_clocks(self, start):
        """(Re)starts the agent tier at ``start``: the response clock counts from
        the creation (until the first response), the resolution clock from
        ``start`` with no pause behind it."""
        self.ensure_one()
        service = self.service_type_id
        restart = bool(self.sla_agent_start) and start != self.sla_agent_start
        values = {"sla_agent_start": start}
        if restart:
            values["sla_paused_hours"] = 0.0
        paused = values.get("sla_paused_hours", self.sla_paused_hours)
        if not self.date_first_response:
            if service.sla_response_hours:
                values["sla_response_deadline"] = self._plan(
                    self.create_date or start, service.sla_response_hours + paused
                )
                values["sla_response_status"] = "running"
            else:
                values.update(sla_response_deadline=False, sla_response_status="none")
        if service.sla_resolution_hours:
            values["sla_resolution_deadline"] = self._plan(
                start, service.sla_resolution_hours + paused
            )
            values["sla_resolution_status"] = "running"
        else:
            values.update(sla_resolution_deadline=False, sla_resolution_status="none")
        self._sla_write(values)

    def _start_department_clock(self, start):
        self.ensure_one()
        hours = self.service_type_id.sla_department_hours
        self._sla_write(
            {
                "sla_department_deadline": self._plan(start, hours) if hours else False,
                "sla_department_status": "running" if hours else "none",
                "department_paused_hours": 0.0,
            }
        )

    def _sla_write(self, values):
        # The clocks are the system's bookkeeping, whoever moves the request.
        return super(CcTicket, self.sudo()).write(values)

    def _set_first_response(self, when):
        for ticket in self.filtered(lambda t: not t.date_first_response):
            values = {"date_first_response": when}
            if ticket.sla_response_status in ("running", "breached", "paused"):
                late = (
                    ticket.sla_response_deadline and when > ticket.sla_response_deadline
                )
                values["sla_response_status"] = "missed" if late else "met"
            ticket._sla_write(values)

    def _pause_clocks(self, when):
        values = {"sla_paused_since": when}
        for field in (
            "sla_response_status",
            "sla_resolution_status",
            "sla_department_status",
        ):
            if self[field] == "running":
                values[field] = "paused"
        self._sla_write(values)

    def _resume_clocks(self, when):
        """Pushes every running deadline by the working hours spent waiting."""
        if not self.sla_paused_since:
            return
        paused = self._working_hours_between(self.sla_paused_since, when)
        values = {
            "sla_paused_since": False,
            "sla_paused_hours": self.sla_paused_hours + paused,
        }
        service = self.service_type_id
        clocks = [
            (
                "sla_response",
                service.sla_response_hours,
                self.create_date,
                "sla_paused_hours",
            ),
            (
                "sla_resolution",
                service.sla_resolution_hours,
                self.sla_agent_start or self.create_date,
                "sla_paused_hours",
            ),
        ]
        if self.date_escalated:
            values["department_paused_hours"] = self.department_paused_hours + paused
            clocks.append(
                (
                    "sla_department",
                    service.sla_department_hours,
                    self.date_escalated,
                    "department_paused_hours",
                )
            )
        for prefix, hours, start, paused_field in clocks:
            if self[f"{prefix}_status"] == "paused" and hours:
                deadline = self._plan(start, hours + values[paused_field])
                values[f"{prefix}_deadline"] = deadline
                values[f"{prefix}_status"] = (
                    "breached" if when > deadline else "running"
                )
        self._sla_write(values)

    def _close_clock(self, prefix, when):
        status = self[f"{prefix}_status"]
        if status in ("running", "paused", "breached"):
            deadline = self[f"{prefix}_deadline"]
            late = status == "breached" or (deadline and when > deadline)
            return {f"{prefix}_status": "missed" if late else "met"}
        return {}

    # ------------------------------------------------------------------
    # Stages
    # ------------------------------------------------------------------

    def _check_stage_change(self, stage):
        if stage not in DONE_STAGES or self.env.context.get("cc_department_resolution"):
            return
        for ticket in self.filtered(lambda t: t.stage not in DONE_STAGES):
            service = ticket.service_type_id
            resolved_by_department = ticket.escalation_ids.filtered(
                lambda e: e.outcome == "resolved"
            )
            if (
                service
                and service._requires_escalation(ticket.amount)
                and not resolved_by_department
            ):
                raise UserError(
                    self.env._(
                        "%(ticket)s cannot be resolved or closed by the agent: "
                        "requests of type %(service)s%(amount)s are decided by "
                        "%(department)s. Use Escalate.",
                        ticket=ticket.name,
                        service=service.name,
                        amount=self.env._(
                            " above %(limit)s", limit=service.limit_amount
                        )
                        if service.resolution_policy == "limit"
                        else "",
                        department=service.department_id.name,
                    )
                )
            missing = ticket.checklist_ids.filtered(lambda c: c.required and not c.done)
            if stage == "resolved" and missing:
                raise UserError(
                    self.env._(
                        "%(ticket)s cannot be resolved yet: tick the checklist first "
                        "(%(items)s).",
                        ticket=ticket.name,
                        items=", ".join(missing.mapped("name")),
                    )
                )

    def _on_stage_change(self, previous, stage):
        now = fields.Datetime.now()
        if previous == "new" and stage in ("in_progress", "waiting"):
            # Taking the request or asking the customer: the customer is answered.
            self._set_first_response(now)
        if previous == "waiting" and stage != "waiting":
            self._resume_clocks(now)
        if stage == "waiting" and previous != "waiting":
            self._pause_clocks(now)
        if stage == "resolved":
            values = {
                "date_resolved": now,
                "resolution_hours": (now - self.create_date).total_seconds() / 3600,
            }
            for prefix in ("sla_response", "sla_resolution", "sla_department"):
                values.update(self._close_clock(prefix, now))
            self._sla_write(values)
            self._set_first_response(now)
            self._record_interaction()
        if stage == "closed":
            self._sla_write({"date_closed": now})
        if stage in OPEN_STAGES and previous in DONE_STAGES:
            # Reopened: the agent tier runs again from now.
            self._sla_write({"date_resolved": False, "date_closed": False})
            self._start_agent_clocks(now)

    def _record_interaction(self):
        """The owner agent handled this request: one contact in their ledger,
        however many times it is resolved."""
        if not self.owner_id.sudo().is_cc_agent:
            return
        self.env["cc.interaction"]._record(
            [
                {
                    "agent_id": self.owner_id.id,
                    "partner_id": self.partner_id.id,
                    "channel": "ticket",
                    "date_start": self.date_resolved or fields.Datetime.now(),
                    "commission_base": self.amount if self.category == "sales" else 0.0,
                    "source_key": f"cc.ticket:{self.id}",
                    "source_model": self._name,
                    "source_id": self.id,
                }
            ]
        )

    def _sync_checklist(self):
        """Copies the service's checklist onto the request (the items not there)."""
        existing = set(self.checklist_ids.mapped("name"))
        self.env["cc.ticket.checklist"].sudo().create(
            [
                {
                    "ticket_id": self.id,
                    "name": item.name,
                    "required": item.required,
                    "sequence": item.sequence,
                }
                for item in self.service_type_id.checklist_ids
                if item.name not in existing
            ]
        )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_take(self):
        """The agent takes the request: they own it until it is resolved."""
        agent = self.env.user.employee_id
        if not agent.sudo().is_cc_agent:
            raise UserError(self.env._("Only a call center agent can own a request."))
        for ticket in self:
            values = {"owner_id": agent.id}
            if ticket.stage == "new":
                values["stage"] = "in_progress"
            ticket.write(values)
        return True

    def action_start(self):
        self.filtered(lambda t: t.stage in ("new", "waiting")).write(
            {"stage": "in_progress"}
        )
        return True

    def action_wait_customer(self):
        self.filtered(lambda t: t.stage in ("new", "in_progress")).write(
            {"stage": "waiting"}
        )
        return True

    def action_resolve(self):
        self.write({"stage": "resolved"})
        return True

    def action_close(self):
        self.write({"stage": "closed"})
        return True

    def action_reopen(self):
        self.filtered(lambda t: t.stage in DONE_STAGES).write({"stage": "in_progress"})
        return True

    def action_open_escalate(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Escalate %(ticket)s", ticket=self.name),
            "res_model": "cc.ticket.escalate",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_ticket_id": self.id,
                "default_department_id": self.service_type_id.department_id.id,
            },
        }

    def _escalate(self, department, reason, automatic=False):
        """Puts the request in ``department``'s queue, with the reason."""
        self.ensure_one()
        if self.stage in DONE_STAGES:
            raise UserError(
                self.env._(
                    "%(ticket)s is already resolved: reopen it first.", ticket=self.name
                )
            )
        if not department:
            raise UserError(
                self.env._(
                    "Choose the department %(ticket)s goes to.", ticket=self.name
                )
            )
        if not (reason or "").strip():
            raise UserError(
                self.env._("Say why %(ticket)s is escalated.", ticket=self.name)
            )
        now = fields.Datetime.now()
        previous_department = self.department_id
        escalation = (
            self.env["cc.ticket.escalation"]
            .sudo()
            .create(
                {
                    "ticket_id": self.id,
                    "from_department_id": previous_department.id,
                    "department_id": department.id,
                    "reason": reason.strip(),
                    "automatic": automatic,
                    "escalated_by_id": self.env.uid,
                    "date_escalated": now,
                }
            )
        )
        # The stage change is the agent's; the fields it drags are bookkeeping.
        self.with_context(cc_escalation=True).write(
            {
                "stage": "escalated",
                "department_id": department.id,
                "department_user_id": False,
            }
        )
        # Escalating in time is what the agent tier asks: its clock stops here.
        self._sla_write(
            {"date_escalated": now, **self._close_clock("sla_resolution", now)}
        )
        self._start_department_clock(now)
        self._notify_department(escalation)
        return escalation

    def _notify_department(self, escalation):
        team = (
            self.service_type_id.escalation_user_ids
            | escalation.department_id.manager_id.user_id
        )
        todo = self.env.ref("mail.mail_activity_data_todo")
        for user in team:
            self.sudo().activity_schedule(
                activity_type_id=todo.id,
                user_id=user.id,
                summary=self.env._(
                    "Escalated to your department: %(reason)s", reason=escalation.reason
                ),
                date_deadline=fields.Date.context_today(self),
            )
        self.message_post(
            body=self.env._(
                "Escalated to %(department)s: %(reason)s",
                department=escalation.department_id.name,
                reason=escalation.reason,
            ),
            message_type="notification",
            subtype_xmlid="mail.mt_note",
        )

    def _current_escalation(self):
        self.ensure_one()
        return self.escalation_ids.filtered(lambda e: not e.outcome)[:1]

    def _check_department_member(self):
        """Only people of the department the request is escalated to act on it."""
        user = self.env.user
        for ticket in self:
            members = ticket.department_id.member_ids.user_id | (
                ticket.service_type_id.escalation_user_ids
            )
            if user not in members and not user.has_group("cc_agent.group_cc_manager"):
                raise AccessError(
                    self.env._(
                        "%(user)s is not part of %(department)s, where %(ticket)s is "
                        "escalated.",
                        user=user.name,
                        department=ticket.department_id.name or "-",
                        ticket=ticket.name,
                    )
                )

    def action_department_accept(self):
        for ticket in self:
            if ticket.stage != "escalated":
                raise UserError(
                    self.env._(
                        "%(ticket)s is not waiting for a department.",
                        ticket=ticket.name,
                    )
                )
            ticket._check_department_member()
            escalation = ticket._current_escalation()
            escalation.sudo().write(
                {"accepted_by_id": self.env.uid, "date_accepted": fields.Datetime.now()}
            )
            ticket.sudo().write({"department_user_id": self.env.uid})
        return True

    def action_department_resolve(self, note=None):
        for ticket in self:
            if ticket.stage != "escalated":
                raise UserError(
                    self.env._(
                        "%(ticket)s is not waiting for a department.",
                        ticket=ticket.name,
                    )
                )
            ticket._check_department_member()
            escalation = ticket._current_escalation()
            now = fields.Datetime.now()
            escalation.sudo().write(
                {
                    "outcome": "resolved",
                    "date_done": now,
                    "done_by_id": self.env.uid,
                    "note": note or escalation.note,
                    "accepted_by_id": escalation.accepted_by_id.id or self.env.uid,
                    "date_accepted": escalation.date_accepted or now,
                }
            )
            # sudo: department staff do not own the request; the department's
            # decision resolves it for its owner.
            ticket.sudo().with_context(cc_department_resolution=True).write(
                {"stage": "resolved", "department_user_id": self.env.uid}
            )
        return True

    def action_open_send_back(self):
        self.ensure_one()
        self._check_department_member()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Send %(ticket)s back", ticket=self.name),
            "res_model": "cc.ticket.send.back",
            "view_mode": "form",
            "target": "new",
            "context": {"default_ticket_id": self.id},
        }

    def action_open_verify(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Verify the Caller"),
            "res_model": "cc.ticket.verify",
            "view_mode": "form",
            "target": "new",
            "context": {"default_ticket_id": self.id},
        }

    def _department_send_back(self, note):
        self.ensure_one()
        if self.stage != "escalated":
            raise UserError(
                self.env._(
                    "%(ticket)s is not waiting for a department.", ticket=self.name
                )
            )
        if not (note or "").strip():
            raise UserError(
                self.env._(
                    "Say why %(ticket)s goes back to the agent.", ticket=self.name
                )
            )
        self._check_department_member()
        escalation = self._current_escalation()
        escalation.sudo().write(
            {
                "outcome": "sent_back",
                "note": note.strip(),
                "date_done": fields.Datetime.now(),
                "done_by_id": self.env.uid,
            }
        )
        now = fields.Datetime.now()
        close = self._close_clock("sla_department", now)
        self.sudo().write({"stage": "in_progress", "department_user_id": False})
        self._sla_write(close)
        # Back with the agent: their resolution clock runs again from now.
        self._start_agent_clocks(now)
        self.message_post(
            body=self.env._("Sent back by the department: %(note)s", note=note.strip()),
            message_type="notification",
            subtype_xmlid="mail.mt_note",
        )
        if self.owner_user_id:
            self.sudo().activity_schedule(
                "mail.mail_activity_data_todo",
                user_id=self.owner_user_id.id,
                summary=self.env._(
                    "Sent back by the department: %(note)s", note=note.strip()
                ),
            )

    def action_create_lead(self):
        """A sales request becomes an opportunity in CRM."""
        self.ensure_one()
        if not self.lead_id:
            lead = self.env["crm.lead"].create(
                {
                    "name": self.subject,
                    "type": "opportunity",
                    "partner_id": self.partner_id.id,
                    "email_from": self.contact_email,
                    "phone": self.contact_phone,
                    "description": self.description,
                    "expected_revenue": self.amount,
                    "user_id": self.owner_user_id.id or self.env.uid,
                }
            )
            self.lead_id = lead
        return {
            "type": "ir.actions.act_window",
            "res_model": "crm.lead",
            "res_id": self.lead_id.id,
            "view_mode": "form",
        }

    def action_open_escalations(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "cc_ticket.cc_ticket_escalation_action"
        )
        action["domain"] = [("ticket_id", "=", self.id)]
        return action

    # ------------------------------------------------------------------
    # SLA job
    # ------------------------------------------------------------------

    @api.model
    def _cron_sla(self):
        """Marks running clocks past their deadline as breached, and escalates
        the requests whose agent tier is breached while their service has a
        department; their supervisor is told."""
        now = fields.Datetime.now()
        for prefix in ("sla_response", "sla_resolution", "sla_department"):
            late = self.sudo().search(
                [(f"{prefix}_status", "=", "running"), (f"{prefix}_deadline", "<", now)]
            )
            late._sla_write({f"{prefix}_status": "breached"})
        domain = [
            ("sla_resolution_status", "=", "breached"),
            ("stage", "in", ("new", "in_progress")),
            ("date_escalated", "=", False),
            ("service_type_id.department_id", "!=", False),
        ]
        to_escalate = self.sudo().search(domain, limit=ESCALATION_BATCH, order="id")
        for ticket in to_escalate:
            ticket._escalate(
                ticket.service_type_id.department_id,
                self.env._("The agent's resolution time was exceeded."),
                automatic=True,
            )
            supervisor = ticket.supervisor_user_id or ticket.owner_user_id
            if supervisor:
                ticket.activity_schedule(
                    "mail.mail_activity_data_todo",
                    user_id=supervisor.id,
                    summary=self.env._(
                        "%(ticket)s escalated automatically: the agent's SLA was "
                        "breached",
                        ticket=ticket.name,
                    ),
                )
        if to_escalate:
            remaining = self.sudo().search_count(domain)
            self.env["ir.cron"]._notify_progress(
                done=len(to_escalate), remaining=remaining
            )
            _logger.info(
                "SLA job escalated %s requests (%s left)", len(to_escalate), remaining
            )

    # ------------------------------------------------------------------
    # Mail
    # ------------------------------------------------------------------

    def _message_get_suggested_recipients(self):
        recipients = super()._message_get_suggested_recipients()
        for ticket in self:
            if ticket.partner_id:
                ticket._message_add_suggested_recipient(
                    recipients, partner=ticket.partner_id, reason=self.env._("Customer")
                )
            elif ticket.contact_email:
                ticket._message_add_suggested_recipient(
                    recipients,
                    email=ticket.contact_email,
                    reason=self.env._("Customer E-mail"),
                )
        return recipients

    @api.model
    def message_new(self, msg_dict, custom_values=None):
        """A customer's e-mail: a new request, numbered, acknowledged."""
        email = tools.email_normalize(msg_dict.get("email_from") or "") or ""
        partner = self.env["res.partner"]
        if msg_dict.get("author_id"):
            partner = partner.browse(msg_dict["author_id"])
        values = {
            # The number comes from the sequence, not from the subject.
            "name": "/",
            "subject": msg_dict.get("subject") or self.env._("(no subject)"),
            "channel": "email",
            "partner_id": partner.id,
            "contact_email": email,
            "description": msg_dict.get("body"),
            **(custom_values or {}),
        }
        ticket = super().message_new(msg_dict, custom_values=values)
        if ticket.contact_email != email and email:
            ticket.contact_email = email
        if partner:
            ticket.message_subscribe(partner_ids=partner.ids)
        ticket._send_acknowledgement()
        return ticket

    def _send_acknowledgement(self):
        template = self.env.ref("cc_ticket.mail_template_cc_ticket_acknowledgement")
        for ticket in self.filtered(lambda t: t.partner_id or t.contact_email):
            ticket.message_post_with_source(template, subtype_xmlid="mail.mt_comment")

    def _reopen_days(self):
        return self.company_id.cc_ticket_reopen_days

    @api.returns("mail.message", lambda value: value.id)
    def message_post(self, **kwargs):
        """A reply from the customer on a resolved request reopens it, within
        the company's reopening delay; later, it starts a new request that
        follows this one."""
        if len(self) == 1 and self._is_customer_reply(kwargs):
            if self.stage in DONE_STAGES:
                limit = fields.Datetime.now() - timedelta(days=self._reopen_days())
                if (self.date_resolved or self.date_closed or limit) >= limit:
                    self.sudo().write({"stage": "in_progress"})
                else:
                    follow_up = self.sudo().copy(
                        {
                            "subject": self.subject,
                            "parent_id": self.id,
                            "channel": "email",
                            "stage": "new",
                            "owner_id": self.owner_id.id,
                        }
                    )
                    self.sudo()._message_log(
                        body=self.env._(
                            "The customer wrote after the request was closed: "
                            "follow-up %(ticket)s.",
                            ticket=follow_up.name,
                        )
                    )
                    return follow_up.message_post(**kwargs)
            elif self.stage == "waiting":
                self.sudo().write({"stage": "in_progress"})
        message = super().message_post(**kwargs)
        if (
            len(self) == 1
            and message.message_type == "comment"
            and message.subtype_id == self.env.ref("mail.mt_comment")
            and message.author_id.user_ids.filtered(lambda u: not u.share)
        ):
            self._set_first_response(message.date)
        return message

    def _is_customer_reply(self, kwargs):
        author_id = kwargs.get("author_id")
        author = (
            self.env["res.partner"].browse(author_id)
            if author_id
            else self.env.user.partner_id
        )
        if kwargs.get("message_type", "notification") not in ("email", "comment"):
            return False
        if author.user_ids and not all(user.share for user in author.user_ids):
            return False
        email = tools.email_normalize(kwargs.get("email_from") or author.email or "")
        customer = self.partner_id.commercial_partner_id
        return bool(
            (customer and author.commercial_partner_id == customer)
            or (email and email == tools.email_normalize(self.contact_email or ""))
        )

    # ------------------------------------------------------------------
    # Demo data
    # ------------------------------------------------------------------

    @api.model
    def _demo_escalate(self, ticket_ids):
        """Escalates the demo requests to their service's department; the
        department accepts the first one that has a responsible team."""
        tickets = self.browse(ticket_ids)
        for ticket in tickets:
            ticket._escalate(
                ticket.service_type_id.department_id,
                self.env._("The service's rules leave the decision to the department."),
            )
        for ticket in tickets:
            staff = ticket.service_type_id.escalation_user_ids[:1]
            if staff and ticket.category == "maintenance":
                ticket.with_user(staff).action_department_accept()
