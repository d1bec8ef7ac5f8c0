"""Agents' SIP accounts: who sees what, rotation, revocation, and FreeSWITCH
told to drop the phones' registrations."""

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import PASSWORD, SIP_DOMAIN, SipFixture, TelephonyCase
from .fake_freeswitch import FakeFreeSwitch


@tagged("post_install", "-at_install")
class TestSipAccount(SipFixture, TelephonyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_sip()

    def setUp(self):
        super().setUp()
        self.registry.enter_test_mode(self.cr)
        self.addCleanup(self.registry.leave_test_mode)
        # Only what the test itself leaves for after the commit.
        self.env.cr.postcommit.clear()
        self.account = self.softphone_account()

    def test_generated_credentials(self):
        self.assertRegex(self.account.username, r"^1000-[a-z0-9]{10}$")
        password = self.account.sudo().password
        self.assertGreaterEqual(len(password), 32)
        self.assertRegex(password, r"^[A-Za-z0-9_-]+$")
        other = self.softphone_account()
        self.assertNotEqual(other.username, self.account.username)
        self.assertNotEqual(other.sudo().password, password)

    def test_nobody_but_the_system_reads_a_password(self):
        for user in (self.user_agent, self.user_manager):
            account = self.account.with_user(user)
            self.assertEqual(account.username, self.account.username)
            with self.assertRaises(AccessError):
                account.read(["password"])
            self.assertNotIn("password", account.fields_get())
        views = self.Account.with_user(self.user_agent).get_views(
            [(False, "list"), (False, "form")]
        )
        for view in views["views"].values():
            self.assertNotIn('name="password"', view["arch"])

    def test_an_agent_sees_only_her_accounts(self):
        badr = self.softphone_account(agent=self.agent_2, device=self.device_of_badr())
        Account = self.Account.with_user(self.user_agent)
        self.assertEqual(Account.search([]), self.account)
        with self.assertRaises(AccessError):
            badr.with_user(self.user_agent).read(["username"])
        # Dana supervises Amal, not Badr; the manager sees both.
        self.assertEqual(
            self.Account.with_user(self.user_supervisor).search([]), self.account
        )
        self.assertEqual(
            self.Account.with_user(self.user_manager).search([]), self.account | badr
        )
        with self.assertRaises(AccessError):
            self.Account.with_user(self.user_internal).search([])
        # Nobody writes an account directly.
        with self.assertRaises(AccessError):
            self.account.with_user(self.user_manager).write({"username": "x"})

    def device_of_badr(self):
        Device = self.env["cc.agent.device"]
        return Device.create(
            {
                "name": "Badr's laptop",
                "agent_id": self.agent_2.id,
                "token_hash": Device._cc_hash("b" * 40),
            }
        )

    def test_rotation_new_password_same_user_phones_logged_out(self):
        username, password = self.account.username, self.account.sudo().password
        before = self.account._cc_a1_hash()
        with self.assertLogs("odoo.addons.cc_telephony.models.cc_sip_account") as logs:
            self.account.with_user(self.user_agent).action_rotate()
        self.assertEqual(self.account.username, username)
        self.assertNotEqual(self.account.sudo().password, password)
        self.assertNotEqual(self.account._cc_a1_hash(), before)
        for line in logs.output:
            self.assertNotIn(password, line)
            self.assertNotIn(self.account.sudo().password, line)
        # Once committed, FreeSWITCH drops the registration and its cache.
        commands = self.esl_commands(self.run_after_commit)
        self.assertEqual(
            commands,
            [
                f"sofia profile internal flush_inbound_reg {username}@{SIP_DOMAIN} "
                "reboot",
                f"xml_flush_cache id {username} {SIP_DOMAIN}",
            ],
        )
        # The agent's softphone is told to fetch its configuration again.
        self.assertEqual(
            self.bus_messages(self.user_agent, "cc_telephony/sip_account"),
            [{"username": username, "kind": "softphone", "change": "rotated"}],
        )

    def test_who_rotates(self):
        self.account.with_user(self.user_manager).action_rotate()
        for user in (self.user_agent_2, self.user_supervisor):
            with self.assertRaises(AccessError):
                self.account.with_user(user).action_rotate()
        self.account.with_user(self.user_agent).action_revoke()
        with self.assertRaisesNaming(UserError, "revoked"):
            self.account.with_user(self.user_manager).action_rotate()

    def test_freeswitch_away_does_not_lose_the_rotation(self):
        with FakeFreeSwitch(PASSWORD, {}) as freeswitch:
            port = freeswitch.port
        self.server.esl_port = port  # nobody listens there any more
        self.account.with_user(self.user_agent).action_rotate()
        password = self.account.sudo().password
        with self.assertLogs(
            "odoo.addons.cc_telephony.models.cc_sip_account", "WARNING"
        ) as logs:
            self.run_after_commit()
        self.assertIn("registration not dropped", logs.output[0])
        self.assertNotIn(password, logs.output[0])
        self.assertNotIn(PASSWORD, logs.output[0])
        self.assertEqual(self.account.sudo().password, password)

    def test_revoking_the_device_revokes_its_accounts(self):
        other_device = self.env["cc.agent.device"].create(
            {
                "name": "Amal's laptop",
                "agent_id": self.agent.id,
                "token_hash": self.env["cc.agent.device"]._cc_hash("e" * 40),
            }
        )
        kept = self.softphone_account(device=other_device)
        app = self.Account._cc_create_for(
            self.agent, self.server, "sip_app", self.device
        )
        self.device.with_user(self.user_manager).action_revoke()
        for account in self.account | app:
            self.assertEqual(account.state, "revoked")
            self.assertFalse(account.sudo().password)
            self.assertTrue(account.revoked_on)
        self.assertEqual(kept.state, "active")
        commands = self.esl_commands(self.run_after_commit)
        for account in self.account | app:
            self.assertIn(
                f"sofia profile internal flush_inbound_reg "
                f"{account.username}@{SIP_DOMAIN} reboot",
                commands,
            )
        self.assertFalse([c for c in commands if kept.username in c])

    def test_an_agent_revokes_her_own_account_not_anothers(self):
        with self.assertRaises(AccessError):
            self.account.with_user(self.user_agent_2).action_revoke()
        self.account.with_user(self.user_agent).action_revoke()
        self.assertEqual(self.account.state, "revoked")

    def test_display_name(self):
        self.assertEqual(
            self.account.display_name,
            f"{self.account.username} - Softphone in Odoo - Amal's phone",
        )
