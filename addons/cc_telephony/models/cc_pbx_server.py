from odoo import api, fields, models
from odoo.exceptions import ValidationError

# Passwords anyone can guess: FreeSWITCH's default, and the sample of the
# repository's .env.example that a hurried install would leave in place.
PUBLIC_PASSWORDS = ("cluecon",)
SAMPLE_PREFIX = "change-me"


class CcPbxServer(models.Model):
    """A FreeSWITCH node the telephony listener connects to (mod_event_socket)."""

    _name = "cc.pbx.server"
    _description = "FreeSWITCH Node"
    _order = "name"

    name = fields.Char(required=True)
    active = fields.Boolean(default=True)
    enabled = fields.Boolean(
        default=True,
        help="The listener connects only to enabled nodes. Disable a node to take "
        "it out of service without losing its settings and call history.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    host = fields.Char(
        required=True,
        help="Host name or IP address where FreeSWITCH's Event Socket listens, "
        "as seen from the listener.",
    )
    esl_port = fields.Integer(string="Event Socket Port", required=True, default=8021)
    # The Event Socket password gives full control of the phone system: only
    # system administrators read or write it, and it never reaches the browser
    # of anyone else (fields with groups are stripped from their views).
    esl_password = fields.Char(
        string="Event Socket Password",
        groups="base.group_system",
        copy=False,
    )

    _sql_constraints = [
        (
            "host_port_unique",
            "unique(host, esl_port)",
            "Another FreeSWITCH node already uses this host and port.",
        ),
    ]

    @api.constrains("esl_port")
    def _check_esl_port(self):
        for server in self:
            if not 1 <= server.esl_port <= 65535:
                raise ValidationError(
                    self.env._(
                        "FreeSWITCH node %(node)s: the field 'Event Socket Port' "
                        "must be between 1 and 65535, not %(port)s.",
                        node=server.name,
                        port=server.esl_port,
                    )
                )

    @api.constrains("esl_password")
    def _check_esl_password(self):
        for server in self:
            password = (server.esl_password or "").strip().lower()
            if password in PUBLIC_PASSWORDS or password.startswith(SAMPLE_PREFIX):
                raise ValidationError(
                    self.env._(
                        "FreeSWITCH node %(node)s: the field 'Event Socket Password' "
                        "holds a publicly known default. Set a password of your own "
                        "in FreeSWITCH (FREESWITCH_ESL_PASSWORD) and here.",
                        node=server.name,
                    )
                )

    @api.depends("host", "esl_port")
    def _compute_display_name(self):
        for server in self:
            server.display_name = f"{server.name} ({server.host}:{server.esl_port})"
