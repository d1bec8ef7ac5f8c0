"""A SIP app set up by QR code: a one-time link, valid ten minutes."""

import hashlib
from datetime import timedelta
from xml.etree import ElementTree

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import SIP_DOMAIN, SipFixture, TelephonyHttpCase

NS = {"lp": "http://www.linphone.org/xsds/lpconfig.xsd"}


@tagged("post_install", "-at_install")
class TestSipProvisioning(SipFixture, TelephonyHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_sip()
        cls.server.sip_app_server = f"{SIP_DOMAIN}:5061"

    def open_qr(self):
        action = self.device.with_user(self.user_agent).action_sip_app_setup()
        provisioning = (
            self.env["cc.sip.provisioning"]
            .with_user(self.user_agent)
            .with_context(**action["context"])
            .browse(action["res_id"])
        )
        return action, provisioning

    def entries(self, response):
        config = ElementTree.fromstring(response.content)
        return {
            (section.get("name"), entry.get("name")): entry.text
            for section in config.findall("lp:section", NS)
            for entry in section.findall("lp:entry", NS)
        }

    def test_scan_once(self):
        action, provisioning = self.open_qr()
        self.assertEqual(action["target"], "new")
        self.assertIn('src="data:image/png;base64,', provisioning.qr_code)
        url = provisioning.url
        self.assertRegex(url, r"/cc_telephony/sip/provision/[\w-]{40,}$")
        # Only a hash of the link is kept.
        token = url.rsplit("/", 1)[1]
        self.assertNotEqual(provisioning.sudo().token_hash, token)
        self.assertNotIn(token, str(provisioning.sudo().read(["token_hash"])))
        account = provisioning.sudo().account_id
        self.assertEqual((account.kind, account.device_id), ("sip_app", self.device))

        response = self.url_open(url)
        self.assertEqual(response.status_code, 200)
        self.assertIn("xml", response.headers["Content-Type"])
        entries = self.entries(response)
        password = account.sudo().password
        ha1 = hashlib.md5(
            f"{account.username}:{SIP_DOMAIN}:{password}".encode()
        ).hexdigest()
        self.assertEqual(entries["auth_info_0", "username"], account.username)
        self.assertEqual(entries["auth_info_0", "ha1"], ha1)
        self.assertEqual(entries["auth_info_0", "realm"], SIP_DOMAIN)
        self.assertEqual(
            entries["proxy_0", "reg_proxy"], f"<sip:{SIP_DOMAIN}:5061;transport=tls>"
        )
        self.assertEqual(
            entries["proxy_0", "reg_identity"],
            f'"Agent Amal" <sip:{account.username}@{SIP_DOMAIN}>',
        )
        self.assertEqual(entries["misc", "transient_provisioning"], "1")
        self.assertNotIn(password.encode(), response.content)
        # Twice: gone.
        self.assertEqual(self.url_open(url).status_code, 410)

    def test_the_dialog_shows_the_code(self):
        """What the web client reads for the dialog (the action's context,
        bin_size as forms ask) holds the code itself, not a link to it."""
        self.env["ir.config_parameter"].set_param("cc_agent.agent_2fa", "0")
        self.user_agent.password = "agent-password-1"
        self.authenticate("cc_agent", "agent-password-1")
        action = self._call_kw(
            "cc.agent.device", "action_sip_app_setup", [[self.device.id]]
        )["result"]
        record = self._call_kw(
            "cc.sip.provisioning",
            "web_read",
            [[action["res_id"]]],
            {
                "specification": {"qr_code": {}, "url": {}, "expires_at": {}},
                "context": {**action["context"], "bin_size": True},
            },
        )["result"][0]
        self.assertIn('src="data:image/png;base64,', record["qr_code"])
        self.assertIn("/cc_telephony/sip/provision/", record["url"])

    def test_expired_and_unknown_links(self):
        _action, provisioning = self.open_qr()
        url = provisioning.url
        provisioning.sudo().expires_at = fields.Datetime.now() - timedelta(seconds=1)
        self.assertEqual(self.url_open(url).status_code, 410)
        self.assertEqual(
            self.url_open("/cc_telephony/sip/provision/" + "x" * 43).status_code, 404
        )

    def test_the_link_is_shown_to_the_agent_only(self):
        action, provisioning = self.open_qr()
        # Without the token (another tab, another user), no link.
        hidden = provisioning.with_context(cc_provisioning_token=None)
        self.assertFalse(hidden.url)
        self.assertFalse(hidden.qr_code)
        for user in (self.user_agent_2, self.user_manager):
            with self.assertRaises(AccessError):
                provisioning.with_user(user).with_context(**action["context"]).read(
                    ["url"]
                )
            # Nor may they make one for her device.
            with self.assertRaises(AccessError):
                self.device.with_user(user).action_sip_app_setup()

    def test_a_new_code_rotates_the_app_account(self):
        _action, first = self.open_qr()
        account = first.sudo().account_id
        password = account.sudo().password
        _action, second = self.open_qr()
        self.assertEqual(second.sudo().account_id, account)
        self.assertNotEqual(account.sudo().password, password)
        self.assertEqual(self.Account.search_count([("kind", "=", "sip_app")]), 1)

    def test_a_revoked_account_is_not_provisioned(self):
        _action, provisioning = self.open_qr()
        url = provisioning.url
        provisioning.sudo().account_id.action_revoke()
        self.assertEqual(self.url_open(url).status_code, 410)

    def test_revoked_device(self):
        self.device.with_user(self.user_manager).action_revoke()
        with self.assertRaisesNaming(UserError, "revoked"):
            self.device.with_user(self.user_agent).action_sip_app_setup()
