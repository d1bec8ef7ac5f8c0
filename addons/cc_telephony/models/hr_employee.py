from odoo import fields, models

CALL_ROUTES = [
    ("softphone", "Softphone in Odoo"),
    ("mobile", "Mobile number"),
    ("sip_app", "SIP app"),
]
# Changing one of these may change where the agent's calls ring.
ROUTE_FIELDS = {"cc_call_route", "cc_route_device_id", "mobile_phone", "cc_extension"}


class HrEmployee(models.Model):
    _inherit = "hr.employee"

    # HR officers (call center managers) see and set them on the agent's form;
    # the agent chooses their route in their preferences (res.users), and the
    # telephony reads them as superuser. Without the group, the fields stay out
    # of what colleagues read of an employee (hr.employee.public).
    cc_call_route = fields.Selection(
        CALL_ROUTES,
        string="Calls Reach the Agent On",
        default="softphone",
        tracking=True,
        groups="hr.group_hr_user",
        help="Softphone in Odoo: the device the agent last went Available from. "
        "Mobile number: their Work Mobile, called through the company's gateway "
        "(when their data connection is poor). SIP app: the app set up with a "
        "QR code on one of their devices. An override for a shift takes "
        "precedence.",
    )
    cc_route_device_id = fields.Many2one(
        "cc.agent.device",
        string="Softphone Device",
        readonly=True,
        copy=False,
        groups="hr.group_hr_user",
        help="The device whose softphone registered last: softphone calls ring there.",
    )
    cc_sip_account_ids = fields.One2many(
        "cc.sip.account", "agent_id", string="Phone Accounts", groups="hr.group_hr_user"
    )
    cc_call_route_override_ids = fields.One2many(
        "cc.call.route.override",
        "agent_id",
        string="Route Overrides",
        groups="hr.group_hr_user",
    )

    def write(self, vals):
        result = super().write(vals)
        if ROUTE_FIELDS & set(vals) and not self.env.context.get("cc_route_sent"):
            self.env["cc.pbx.server"]._cc_push_routes_after_commit(
                self.filtered("is_cc_agent")
            )
        return result

    def _cc_call_route_at(self, when=None):
        """The route of the agent's calls at ``when`` (now by default): the
        override covering that moment, else their own choice."""
        self.ensure_one()
        when = when or fields.Datetime.now()
        override = (
            self.env["cc.call.route.override"]
            .sudo()
            .search(
                [
                    ("agent_id", "=", self.id),
                    ("date_from", "<=", when),
                    ("date_to", ">", when),
                ],
                order="date_from desc, id desc",
                limit=1,
            )
        )
        return override.route or self.sudo().cc_call_route or "softphone"

    def _cc_route_account(self, server, route):
        """The active SIP account of ``route`` on ``server``: the softphone of
        the device the agent last registered from, or their latest SIP app."""
        self.ensure_one()
        domain = [
            ("agent_id", "=", self.id),
            ("server_id", "=", server.id),
            ("kind", "=", route),
            ("state", "=", "active"),
        ]
        if route == "softphone":
            device = self.sudo().cc_route_device_id
            if not device or device.state != "active":
                return self.env["cc.sip.account"]
            domain.append(("device_id", "=", device.id))
        return (
            self.env["cc.sip.account"]
            .sudo()
            .search(domain, order="last_rotation desc, id desc", limit=1)
        )
