"""The softphone's routes: its configuration, only ever the caller's own, and
"ring me here" once it registered."""

from odoo.tests import tagged

from .common import DEVICE_TOKEN, SIP_DOMAIN, SipFixture, TelephonyHttpCase
from .fake_freeswitch import FakeFreeSwitch

CONFIG = "/cc_telephony/softphone/config"
ROUTE_HERE = "/cc_telephony/softphone/route_here"


@tagged("post_install", "-at_install")
class TestSoftphoneRoutes(SipFixture, TelephonyHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_sip()
        cls.env["ir.config_parameter"].set_param("cc_agent.agent_2fa", "0")
        for user in (cls.user_agent, cls.user_agent_2, cls.user_internal):
            user.password = f"{user.login}-password-1"

    def login(self, user):
        self.authenticate(user.login, f"{user.login}-password-1")

    def config(self, token=DEVICE_TOKEN):
        return self.make_jsonrpc_request(CONFIG, {"device_token": token})

    def test_the_agents_own_configuration(self):
        self.login(self.user_agent)
        config = self.config()
        account = self.Account.search([("device_id", "=", self.device.id)])
        self.assertEqual(len(account), 1, "made on first use")
        self.assertEqual(account.kind, "softphone")
        self.assertEqual(
            {key: value for key, value in config.items() if key != "transfer_targets"},
            {
                "enabled": True,
                "ws_url": f"wss://{SIP_DOMAIN}:7443",
                "domain": SIP_DOMAIN,
                "username": account.username,
                "password": account.sudo().password,
                "display_name": "Agent Amal",
                "extension": "1000",
                "ice_servers": [
                    {"urls": f"stun:{SIP_DOMAIN}:3478"},
                    {
                        "urls": f"turn:{SIP_DOMAIN}:3478",
                        "username": "agents",
                        "credential": "turn-password",
                    },
                ],
            },
        )
        self.assertIn(
            {"label": "Agent Badr (1090)", "target": "1090"}, config["transfer_targets"]
        )
        self.assertIn(
            {"label": "Support", "target": "queue-support"}, config["transfer_targets"]
        )
        self.assertNotIn("1000", [t["target"] for t in config["transfer_targets"]])
        # The same account the next time.
        self.assertEqual(self.config()["username"], account.username)

    def test_never_another_agents_account(self):
        self.login(self.user_agent)
        amal = self.config()
        self.login(self.user_agent_2)
        # Badr sends Amal's device token: it is not his device.
        refused = self.config()
        self.assertFalse(refused["enabled"])
        self.assertIn("not registered", refused["reason"])
        self.assertNotIn(amal["password"], str(refused))
        self.assertNotIn(amal["username"], str(refused))

    def test_refused_to_who_is_not_an_agent(self):
        self.login(self.user_internal)
        config = self.config()
        self.assertEqual(
            config,
            {"enabled": False, "reason": "Only call center agents have a softphone."},
        )
        self.assertFalse(self.Account.search([]))

    def test_nobody_without_a_session(self):
        response = self.url_open(
            CONFIG,
            data='{"jsonrpc": "2.0", "method": "call", "params": {}}',
            headers={"Content-Type": "application/json"},
        )
        self.assertIn("SessionExpiredException", response.text)

    def test_disabled_with_the_reason(self):
        self.login(self.user_agent)
        self.assertIn("not registered", self.config("z" * 40)["reason"])
        self.assertIn("not registered", self.config("short")["reason"])
        self.assertIn("not registered", self.config(None)["reason"])
        self.server.ws_url = False
        config = self.config()
        self.assertFalse(config["enabled"])
        self.assertIn("Softphone WebSocket URL", config["reason"])
        self.server.enabled = False
        self.assertIn("No phone system", self.config()["reason"])
        self.server.write({"enabled": True, "ws_url": f"wss://{SIP_DOMAIN}:7443"})
        self.agent.cc_extension = False
        self.assertIn("FreeSWITCH agent ID", self.config()["reason"])

    def test_a_revoked_device_has_no_softphone(self):
        self.login(self.user_agent)
        self.assertTrue(self.config()["enabled"])
        self.device.with_user(self.user_manager).action_revoke()
        # Revoking ended the session on it; another session of the agent's
        # asking with its token gets the reason.
        self.login(self.user_agent)
        config = self.config()
        self.assertEqual(config["enabled"], False)
        self.assertIn("revoked", config["reason"])
        self.assertNotIn("password", config)

    def test_route_here_makes_the_softphone_her_contact(self):
        self.env["cc.presence.log"]._cc_set_state(self.agent, "available")
        self.login(self.user_agent)
        username = self.config()["username"]
        with FakeFreeSwitch(self.server_password(), {"": "+OK\n"}) as freeswitch:
            self.server.esl_port = freeswitch.port
            result = self.make_jsonrpc_request(
                ROUTE_HERE, {"device_token": DEVICE_TOKEN}
            )
        self.assertEqual(result, {"ok": True})
        contact = (
            "{dialed_user=1000,sip_invite_domain=sip.test.example}"
            f"${{sofia_contact(internal/{username}@{SIP_DOMAIN})}}"
        )
        self.assertEqual(
            freeswitch.api_commands(),
            [
                f"callcenter_config agent set contact 1000@default {contact}",
                f"db insert/cc_agent/1000/{contact}",
            ],
        )
        self.assertEqual(self.agent.cc_route_device_id, self.device)

    def test_route_here_when_her_calls_go_elsewhere(self):
        self.login(self.user_agent)
        self.agent.write({"cc_call_route": "mobile", "mobile_phone": "+966501112233"})
        result = self.make_jsonrpc_request(ROUTE_HERE, {"device_token": DEVICE_TOKEN})
        self.assertFalse(result["ok"])
        self.assertIn("Mobile number", result["reason"])
        # Choosing the softphone again will ring here.
        self.assertEqual(self.agent.cc_route_device_id, self.device)
        self.login(self.user_agent_2)
        result = self.make_jsonrpc_request(ROUTE_HERE, {"device_token": DEVICE_TOKEN})
        self.assertFalse(result["ok"])

    def test_route_here_says_when_freeswitch_is_away(self):
        self.env["cc.presence.log"]._cc_set_state(self.agent, "available")
        with FakeFreeSwitch(self.server_password(), {}) as freeswitch:
            port = freeswitch.port
        self.server.esl_port = port
        self.login(self.user_agent)
        result = self.make_jsonrpc_request(ROUTE_HERE, {"device_token": DEVICE_TOKEN})
        self.assertFalse(result["ok"])
        self.assertIn("cannot be reached", result["reason"])
        self.assertNotIn(self.server_password(), result["reason"])

    def server_password(self):
        return self.server.sudo().esl_password
