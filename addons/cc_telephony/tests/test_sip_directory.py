"""FreeSWITCH's directory, served by Odoo to mod_xml_curl over HTTP."""

import base64
import hashlib
from xml.etree import ElementTree

from odoo.tests import tagged

from .common import DIRECTORY_SECRET, SIP_DOMAIN, SipFixture, TelephonyHttpCase

URL = "/cc_telephony/freeswitch/directory"


@tagged("post_install", "-at_install")
class TestSipDirectory(SipFixture, TelephonyHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_sip()

    def setUp(self):
        super().setUp()
        self.account = self.softphone_account()

    def ask(self, secret=DIRECTORY_SECRET, **fields):
        """What mod_xml_curl posts when a phone registers (sip_auth), with
        ``fields`` changed; the answer's status and parsed body."""
        data = {
            "hostname": "fs1",
            "section": "directory",
            "tag_name": "domain",
            "key_name": "name",
            "key_value": SIP_DOMAIN,
            "Event-Name": "REQUEST_PARAMS",
            "Core-UUID": "0f5d8a3e-7c1b-4c7e-9d6e-3a4b5c6d7e8f",
            "action": "sip_auth",
            "sip_profile": "internal",
            "sip_user_agent": "JsSIP 3.10.1",
            "sip_auth_username": self.account.username,
            "sip_auth_realm": SIP_DOMAIN,
            "sip_auth_nonce": "5b1d0e4c",
            "sip_auth_uri": f"sip:{SIP_DOMAIN}",
            "sip_auth_method": "REGISTER",
            "key": "id",
            "user": self.account.username,
            "domain": SIP_DOMAIN,
            "ip": "192.0.2.10",
        }
        data.update(fields)
        headers = {}
        if secret is not None:
            token = base64.b64encode(f"freeswitch:{secret}".encode()).decode()
            headers["Authorization"] = f"Basic {token}"
        response = self.url_open(URL, data=data, headers=headers)
        body = None
        if response.status_code == 200:
            body = ElementTree.fromstring(response.content)
        return response, body

    def assertNotFound(self, body):
        self.assertEqual(body.get("type"), "freeswitch/xml")
        result = body.find("section[@name='result']/result")
        self.assertEqual(result.get("status"), "not found")
        self.assertIsNone(body.find(".//user"))

    def user_params(self, body):
        user = body.find("section[@name='directory']/domain/users/user")
        return (
            user,
            {p.get("name"): p.get("value") for p in user.iter("param")},
            {v.get("name"): v.get("value") for v in user.iter("variable")},
        )

    def test_missing_or_wrong_secret_is_refused_and_reveals_nothing(self):
        for secret in (None, "", "wrong-secret", DIRECTORY_SECRET + "x"):
            with self.subTest(secret=secret):
                response, _body = self.ask(secret=secret)
                self.assertEqual(response.status_code, 401)
                self.assertIn("Basic", response.headers["WWW-Authenticate"])
                self.assertNotIn(self.account.username.encode(), response.content)
                self.assertFalse(response.content)

    def test_a_disabled_node_is_refused(self):
        self.server.enabled = False
        self.assertEqual(self.ask()[0].status_code, 401)

    def test_registration_gets_the_digest_hash_never_the_password(self):
        response, body = self.ask()
        self.assertEqual(response.status_code, 200)
        self.assertEqual(body.get("type"), "freeswitch/xml")
        self.assertEqual(body.find("section").get("name"), "directory")
        self.assertEqual(body.find(".//domain").get("name"), SIP_DOMAIN)
        user, params, variables = self.user_params(body)
        self.assertEqual(user.get("id"), self.account.username)
        password = self.account.sudo().password
        expected = hashlib.md5(
            f"{self.account.username}:{SIP_DOMAIN}:{password}".encode()
        ).hexdigest()
        self.assertEqual(params, {"a1-hash": expected})
        self.assertNotIn(password.encode(), response.content)
        self.assertEqual(
            variables,
            {
                "user_context": "cc_agents",
                "effective_caller_id_name": "Agent Amal",
                "effective_caller_id_number": "1000",
                "cc_agent_extension": "1000",
                "cc_sip_account_kind": "softphone",
            },
        )
        self.assertEqual(response.headers["Cache-Control"], "no-store")

    def test_other_lookups_get_the_user_without_the_hash(self):
        for action in ("user_call", "reverse-auth-lookup", "message-count"):
            with self.subTest(action=action):
                response, body = self.ask(action=action)
                user, params, variables = self.user_params(body)
                self.assertEqual(user.get("id"), self.account.username)
                self.assertNotIn("a1-hash", params)
                self.assertEqual(variables["effective_caller_id_number"], "1000")

    def test_unknown_user_other_domain_other_section_are_not_found(self):
        for fields in (
            {"user": "1000-unknown00"},
            {"user": ""},
            {"domain": "other.example", "key_value": "other.example"},
            {"section": "dialplan"},
            {"section": "configuration", "key_value": "sofia.conf"},
            {"section": "directory", "user": "", "purpose": "network-list"},
        ):
            with self.subTest(fields=fields):
                response, body = self.ask(**fields)
                self.assertEqual(response.status_code, 200)
                self.assertNotFound(body)

    def test_a_revoked_account_is_not_found(self):
        self.account.with_user(self.user_manager).action_revoke()
        self.assertNotFound(self.ask()[1])

    def test_a_revoked_device_takes_its_accounts_with_it(self):
        self.device.with_user(self.user_manager).action_revoke()
        self.assertNotFound(self.ask()[1])

    def test_another_nodes_account_is_not_found(self):
        other = self.env["cc.pbx.server"].create(
            {
                "name": "Jeddah",
                "host": "10.0.0.9",
                "sip_domain": SIP_DOMAIN,
                "directory_secret": "Another-directory-secret-0123456789",
            }
        )
        self.assertNotFound(self.ask(secret=other.directory_secret)[1])

    def test_rotation_changes_the_hash_and_keeps_the_user(self):
        before = self.user_params(self.ask()[1])[1]["a1-hash"]
        self.account.with_user(self.user_agent).action_rotate()
        user, params, _variables = self.user_params(self.ask()[1])
        self.assertEqual(user.get("id"), self.account.username)
        self.assertNotEqual(params["a1-hash"], before)

    def test_source_address_restriction(self):
        self.server.directory_allowed_ips = "10.9.9.0/24"
        self.assertEqual(self.ask()[0].status_code, 401)
        self.server.directory_allowed_ips = "10.9.9.0/24, 127.0.0.1"
        self.assertEqual(self.ask()[0].status_code, 200)

    def test_a_call_to_the_extension_rings_the_agents_route(self):
        """user/<extension> (the node's agent dial string, click-to-dial) is
        the agent's route of the moment; without one of Odoo's, FreeSWITCH's
        own files answer."""
        self.assertNotFound(self.ask(action="user_call", user="1000")[1])
        self.agent.cc_route_device_id = self.device
        response, body = self.ask(action="user_call", user="1000")
        user, params, _variables = self.user_params(body)
        self.assertEqual(user.get("id"), "1000")
        self.assertEqual(
            params["dial-string"],
            "{dialed_user=1000,sip_invite_domain=sip.test.example}"
            f"${{sofia_contact(internal/{self.account.username}@{SIP_DOMAIN})}}",
        )
        self.assertEqual(params["sip-forbid-register"], "true")
        # An extension never authenticates.
        self.assertNotFound(self.ask(action="sip_auth", user="1000")[1])
