from datetime import timedelta

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import CallCenterHttpCase

TOKEN = "x" * 40


@tagged("post_install", "-at_install")
class TestDevice(CallCenterHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].set_param("cc_agent.agent_2fa", "0")
        cls.user_agent.password = "agent-password-1"
        cls.Device = cls.env["cc.agent.device"]

    def test_register_and_see(self):
        Device = self.Device.with_user(self.user_agent)
        device_id = Device.action_register_my_device(TOKEN, "My phone", "phone")
        device = self.Device.browse(device_id)
        self.assertEqual(device.agent_id, self.agent)
        self.assertEqual(device.with_user(self.user_agent).name, "My phone")
        self.assertNotEqual(device.sudo().token_hash, TOKEN, "only a hash is kept")
        self.assertEqual(Device._cc_seen(TOKEN), "active")
        self.assertEqual(Device._cc_seen("y" * 40), "unknown")
        # Seen at most once a minute: the systray and the softphone asking
        # together do not both write the device.
        seen = device.last_seen
        with freeze_time(seen + timedelta(seconds=30)):
            Device._cc_seen(TOKEN)
        self.assertEqual(device.last_seen, seen)
        with freeze_time(seen + timedelta(minutes=2)):
            Device._cc_seen(TOKEN)
        self.assertEqual(device.last_seen, seen + timedelta(minutes=2))
        with self.assertRaisesNaming(UserError, "already registered"):
            Device.action_register_my_device(TOKEN, "Again", "phone")
        with self.assertRaisesNaming(UserError, "name"):
            Device.action_register_my_device("z" * 40, " ", "phone")
        with self.assertRaises(UserError):
            Device.action_register_my_device("short", "Phone", "phone")
        # Another agent does not see it.
        with self.assertRaises(AccessError):
            device.with_user(self.user_agent_2).read(["name"])

    def test_revoke_ends_the_sessions_on_the_device(self):
        self.authenticate("cc_agent", "agent-password-1")
        result = self._call_kw(
            "cc.agent.device", "action_register_my_device", [TOKEN, "Laptop", "laptop"]
        )
        device = self.Device.browse(result["result"])
        self.assertTrue(device.sudo().session_identifiers)
        self.assertTrue(self._session_alive())
        with self.assertRaises(AccessError):
            device.with_user(self.user_supervisor).action_revoke()
        device.with_user(self.user_manager).action_revoke()
        self.assertEqual(device.state, "revoked")
        self.assertEqual(device.revoked_by_id, self.user_manager)
        self.assertFalse(self._session_alive(), "the session opened on it is over")

    def _session_alive(self):
        """Whether this browser's session still reaches Odoo as the agent."""
        result = self._call_kw("res.users", "read", [[self.user_agent.id], ["name"]])
        return "result" in result
