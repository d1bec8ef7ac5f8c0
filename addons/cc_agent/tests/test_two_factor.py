from .common import CallCenterCase


class TestTwoFactor(CallCenterCase):
    def _policy(self, value):
        self.env["ir.config_parameter"].set_param("cc_agent.agent_2fa", value)

    def test_agents_need_a_second_factor(self):
        self._policy("1")
        self.assertEqual(self.user_agent._mfa_type(), "totp_mail")
        self.assertEqual(self.user_supervisor._mfa_type(), "totp_mail")
        self.assertIsNone(self.user_internal._mfa_type())

    def test_an_authenticator_app_takes_precedence(self):
        self._policy("1")
        self.user_agent.sudo().totp_secret = "JBSWY3DPEHPK3PXP"
        self.assertEqual(self.user_agent._mfa_type(), "totp")

    def test_the_setting_turns_it_off(self):
        self._policy("0")
        self.assertIsNone(self.user_agent._mfa_type())
        settings = self.env["res.config.settings"].create({})
        self.assertFalse(settings.cc_agent_2fa)
        settings.cc_agent_2fa = True
        settings.execute()
        self.assertEqual(self.user_agent._mfa_type(), "totp_mail")
