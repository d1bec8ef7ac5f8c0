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
    description = fields.Html(translate=True)

    _sql_constraints = [
        (
            "code_company_unique",
            "unique(code, company_id)",
            "Another service type of this company already has this code.",
        ),
    ]

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
