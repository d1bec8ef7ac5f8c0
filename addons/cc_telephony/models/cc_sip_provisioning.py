import base64
import hashlib
import io
import secrets
from datetime import timedelta

import qrcode
from lxml import etree
from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import SQL

# How long a provisioning QR code may be scanned.
VALIDITY = timedelta(minutes=10)
TOKEN_CONTEXT_KEY = "cc_provisioning_token"
LINPHONE_XSD = "http://www.linphone.org/xsds/lpconfig.xsd"


def token_hash(token):
    return hashlib.sha256((token or "").encode()).hexdigest()


class CcSipProvisioning(models.TransientModel):
    """A one-time link that sets up a SIP app on an agent's phone.

    The agent scans its QR code with the app (Linphone: Assistant > Fetch
    remote configuration > QR code): the app downloads its SIP account once,
    within ten minutes. Only the link's hash is stored; the link itself lives
    in the agent's dialog (the action's context) and in the QR code they scan.
    """

    _name = "cc.sip.provisioning"
    _description = "SIP App Provisioning"

    account_id = fields.Many2one(
        "cc.sip.account", required=True, readonly=True, ondelete="cascade"
    )
    token_hash = fields.Char(required=True, readonly=True, index=True)
    expires_at = fields.Datetime(string="Valid Until", required=True, readonly=True)
    used_at = fields.Datetime(readonly=True)
    url = fields.Char(string="Provisioning Link", compute="_compute_url")
    # Markup rather than an image field: the web client fetches image fields
    # from /web/image, without the context the link lives in.
    qr_code = fields.Html(string="QR Code", compute="_compute_url", sanitize=False)

    @api.depends("token_hash")
    @api.depends_context(TOKEN_CONTEXT_KEY)
    def _compute_url(self):
        token = self.env.context.get(TOKEN_CONTEXT_KEY)
        for provisioning in self:
            if token and token_hash(token) == provisioning.token_hash:
                url = (
                    f"{provisioning.get_base_url()}/cc_telephony/sip/provision/{token}"
                )
                image = io.BytesIO()
                qrcode.make(url.encode(), box_size=6).save(image, format="PNG")
                provisioning.url = url
                provisioning.qr_code = (
                    Markup('<img src="data:image/png;base64,%s" alt="QR code"/>')
                    % base64.b64encode(image.getvalue()).decode()
                )
            else:
                provisioning.url = False
                provisioning.qr_code = False

    @api.model
    def _cc_open_for(self, account):
        """A new one-time link for ``account``, shown to the current user."""
        token = secrets.token_urlsafe(32)
        provisioning = self.sudo().create(
            {
                "account_id": account.id,
                "token_hash": token_hash(token),
                "expires_at": fields.Datetime.now() + VALIDITY,
            }
        )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Set up a SIP app"),
            "res_model": self._name,
            "res_id": provisioning.id,
            "view_mode": "form",
            "target": "new",
            "context": {TOKEN_CONTEXT_KEY: token},
        }

    @api.model
    def _cc_consume(self, token):
        """``(status, account)``: "valid" and the account behind ``token``,
        the link being marked used in the same statement (two scans at once
        cannot both succeed); "gone" when it was used or has expired (or its
        account was revoked), "unknown" when it never existed."""
        digest = token_hash(token)
        now = fields.Datetime.now()
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "UPDATE cc_sip_provisioning SET used_at = %s"
                " WHERE token_hash = %s AND used_at IS NULL AND expires_at > %s"
                " RETURNING id",
                now,
                digest,
                now,
            )
        )
        row = self.env.cr.fetchone()
        self.invalidate_model(["used_at"])
        Account = self.env["cc.sip.account"]
        if row:
            account = self.sudo().browse(row[0]).account_id
            if account.state == "active":
                return "valid", account
            return "gone", Account
        if self.sudo().search_count([("token_hash", "=", digest)], limit=1):
            return "gone", Account
        return "unknown", Account

    @api.model
    def _cc_linphone_xml(self, account):
        """The account as Linphone's remote provisioning reads it, with the
        digest hash instead of the password. transient_provisioning: the
        app does not fetch the (one-time) link again at each start."""
        account = account.sudo()
        server = account.server_id
        domain = server._cc_domain()
        transport = server.sip_app_transport
        proxy = f"<sip:{server.sip_app_server or domain};transport={transport}>"
        identity = f'"{account.agent_id.name}" <sip:{account.username}@{domain}>'
        config = etree.Element(f"{{{LINPHONE_XSD}}}config", nsmap={None: LINPHONE_XSD})

        def section(name, entries):
            element = etree.SubElement(config, f"{{{LINPHONE_XSD}}}section", name=name)
            for key, value in entries:
                entry = etree.SubElement(
                    element, f"{{{LINPHONE_XSD}}}entry", name=key, overwrite="true"
                )
                entry.text = value

        section("misc", [("transient_provisioning", "1")])
        section(
            "proxy_0",
            [
                ("reg_proxy", proxy),
                ("reg_route", proxy),
                ("reg_identity", identity),
                ("realm", domain),
                ("reg_expires", "600"),
                ("reg_sendregister", "1"),
                ("publish", "0"),
            ],
        )
        section(
            "auth_info_0",
            [
                ("username", account.username),
                ("ha1", account._cc_a1_hash()),
                ("realm", domain),
                ("domain", domain),
                ("algorithm", "MD5"),
            ],
        )
        return etree.tostring(config, xml_declaration=True, encoding="UTF-8")
