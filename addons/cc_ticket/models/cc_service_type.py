from ast import literal_eval

from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CcServiceType(models.Model):
    """What customers ask for, and who may settle it.

    The resolution policy is the company's rule: the agent settles the request
    alone, or it must go to a department, or the agent settles it up to a limit
    (an amount) and escalates above it.
    """

    _name = "cc.service.type"
    _description = "Call Center Service Type"
    _inherit = ["mail.alias.mixin.optional"]
    _order = "sequence, name"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(
        required=True,
        help="Short unique code, used in reports and by the telephony menus.",
    )
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    category = fields.Selection(
        [
            ("sales", "Sales"),
            ("collections", "Collections"),
            ("support", "Technical Support"),
            ("maintenance", "Maintenance"),
            ("delivery", "Delivery"),
            ("general", "General"),
        ],
        required=True,
        default="general",
    )
    resolution_policy = fields.Selection(
        [
            ("agent", "Agent resolves"),
            ("escalate", "Escalate to a department"),
            ("limit", "Agent resolves up to a limit"),
        ],
        required=True,
        default="agent",
        help="Agent resolves: the agent settles the request alone.\n"
        "Escalate to a department: the agent takes the request, the department "
        "decides.\n"
        "Agent resolves up to a limit: the agent settles requests up to the limit "
        "amount; above it they go to the department.",
    )
    department_id = fields.Many2one(
        "hr.department",
        string="Competent Department",
        help="Where requests go when the policy says they must be escalated.",
    )
    limit_amount = fields.Monetary(
        string="Agent Limit",
        currency_field="currency_id",
        help="Highest amount an agent may settle alone.",
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    escalation_user_ids = fields.Many2many(
        "res.users",
        "cc_service_type_escalation_user_rel",
        "service_type_id",
        "user_id",
        string="Responsible Team",
        help="People of the department who handle this service's escalated "
        "requests; they are told of each escalation. Everyone of the department "
        "sees them.",
    )
    agent_ids = fields.Many2many(
        "hr.employee",
        "cc_service_type_agent_rel",
        "service_type_id",
        "employee_id",
        string="Agents",
        domain="[('is_cc_agent', '=', True)]",
        help="Agents who handle this service: they see all its requests, "
        "not only their own.",
    )
    sla_calendar_id = fields.Many2one(
        "resource.calendar",
        string="SLA Working Hours",
        help="The working hours SLA clocks count in (the company's when empty); "
        "its time off (public holidays) stops them too.",
    )
    sla_response_hours = fields.Float(
        string="First Response (hours)",
        help="Working hours for the first answer to the customer; 0 for no target.",
    )
    sla_resolution_hours = fields.Float(
        string="Resolution by the Agent (hours)",
        help="Working hours for the agent to resolve the request, or to escalate "
        "it; 0 for no target. Past it, the request is escalated automatically.",
    )
    sla_department_hours = fields.Float(
        string="Resolution by the Department (hours)",
        help="Working hours for the department to resolve an escalated request; "
        "0 for no target.",
    )
    verification_required = fields.Boolean(
        string="Verify the Caller",
        help="The caller's identity must be verified with a one-time code before "
        "any account data is disclosed.",
    )
    checklist_ids = fields.One2many(
        "cc.service.checklist.item",
        "service_type_id",
        copy=True,
        help="What the agent must capture for this kind of request.",
    )
    description = fields.Html(translate=True)

    _sql_constraints = [
        (
            "code_company_unique",
            "unique(code, company_id)",
            "Another service type of this company already has this code.",
        ),
    ]

    @api.constrains(
        "sla_response_hours", "sla_resolution_hours", "sla_department_hours"
    )
    def _check_sla_hours(self):
        for service in self:
            if (
                min(
                    service.sla_response_hours,
                    service.sla_resolution_hours,
                    service.sla_department_hours,
                )
                < 0
            ):
                raise ValidationError(
                    self.env._(
                        "Service type %(service)s: SLA targets are hours, not below 0.",
                        service=service.name,
                    )
                )

    @api.constrains("resolution_policy", "department_id", "limit_amount")
    def _check_resolution_policy(self):
        for service in self:
            if (
                service.resolution_policy in ("escalate", "limit")
                and not service.department_id
            ):
                raise ValidationError(
                    self.env._(
                        "Service type %(service)s escalates requests, so the field "
                        "'Competent Department' must say where they go.",
                        service=service.name,
                    )
                )
            if service.resolution_policy == "limit" and service.limit_amount <= 0:
                raise ValidationError(
                    self.env._(
                        "Service type %(service)s lets agents resolve up to a limit, "
                        "so the field 'Agent Limit' must be an amount above zero.",
                        service=service.name,
                    )
                )

    # ------------------------------------------------------------------
    # Business
    # ------------------------------------------------------------------

    def _sla_calendar(self):
        self.ensure_one()
        return self.sla_calendar_id or self.company_id.resource_calendar_id

    def _requires_escalation(self, amount=0.0):
        """Whether a request of this type, for ``amount``, is the department's
        to decide."""
        self.ensure_one()
        if self.resolution_policy == "escalate":
            return True
        return self.resolution_policy == "limit" and amount > self.limit_amount

    def _alias_get_creation_values(self):
        values = super()._alias_get_creation_values()
        values["alias_model_id"] = self.env["ir.model"]._get("cc.ticket").id
        if self.id:
            values["alias_defaults"] = defaults = literal_eval(
                self.alias_id.alias_defaults or "{}"
            )
            defaults["service_type_id"] = self.id
            defaults["channel"] = "email"
        return values
