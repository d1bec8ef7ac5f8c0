from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from odoo.addons.cc_agent.tests.common import CallCenterCase


class TestPbxServer(CallCenterCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = cls.env["cc.pbx.server"].create(
            {"name": "Riyadh", "host": "10.0.0.5", "esl_password": "S3cret-ESL"}
        )

    def test_defaults(self):
        self.assertEqual(self.server.esl_port, 8021)
        self.assertTrue(self.server.enabled)
        self.assertEqual(self.server.display_name, "Riyadh (10.0.0.5:8021)")

    def test_port_out_of_range_is_refused(self):
        for port in (0, 70000):
            with self.assertRaisesNaming(ValidationError, "Event Socket Port"):
                self.server.esl_port = port

    def test_well_known_passwords_are_refused(self):
        for password in ("ClueCon", "cluecon ", "change-me-to-a-long-random-secret"):
            with self.assertRaisesNaming(ValidationError, "Event Socket Password"):
                self.server.esl_password = password
        self.assertEqual(self.server.esl_password, "S3cret-ESL")

    def test_password_is_for_system_administrators_only(self):
        manager_view = self.server.with_user(self.user_manager)
        self.assertEqual(manager_view.host, "10.0.0.5")
        with self.assertRaises(AccessError):
            manager_view.read(["esl_password"])
        with self.assertRaises(AccessError):
            manager_view.write({"esl_password": "guess"})
        self.assertNotIn("esl_password", manager_view.fields_get())
        # The manager still configures the rest of the node.
        manager_view.write({"host": "10.0.0.6"})
        self.assertEqual(self.server.esl_password, "S3cret-ESL")

    def test_agents_do_not_see_nodes(self):
        with self.assertRaises(AccessError):
            self.server.with_user(self.user_agent).read(["host"])
        self.assertEqual(self.server.with_user(self.user_supervisor).host, "10.0.0.5")
        with self.assertRaises(AccessError):
            self.server.with_user(self.user_supervisor).write({"enabled": False})

    def test_connection_test_says_the_version_or_why_not(self):
        from .fake_freeswitch import FakeFreeSwitch

        version = "FreeSWITCH Version 1.10.12-release 64bit\n"
        with FakeFreeSwitch("S3cret-ESL", {"version": version}) as freeswitch:
            self.server.write({"host": freeswitch.host, "esl_port": freeswitch.port})
            action = self.server.action_test_connection()
        self.assertIn("1.10.12", action["params"]["message"])
        self.assertEqual(self.server.freeswitch_version, version.strip())
        with FakeFreeSwitch("another", {}) as freeswitch:
            self.server.esl_port = freeswitch.port
            with self.assertRaisesNaming(
                UserError, "refused Odoo's Event Socket password"
            ) as caught:
                self.server.action_test_connection()
        self.assertNotIn("S3cret-ESL", str(caught.exception))

    def test_only_administrators_test_the_connection(self):
        """The button is theirs, and a call over RPC too: a manager's never
        reaches FreeSWITCH with the password."""
        with self.assertRaisesNaming(AccessError, "Only system administrators"):
            self.server.with_user(self.user_manager).action_test_connection()

    def test_silent_node(self):
        self.server.write({"state": "connected", "last_event": fields.Datetime.now()})
        self.assertFalse(self.server.is_silent)
        self.server.last_event = fields.Datetime.now() - timedelta(minutes=5)
        self.server.last_connected = fields.Datetime.now() - timedelta(minutes=6)
        self.assertTrue(self.server.is_silent)
        self.server.state = "disconnected"
        self.assertFalse(self.server.is_silent)


@tagged("post_install", "-at_install")
class TestPbxServerForm(CallCenterCase):
    def test_manager_form_carries_no_password(self):
        """The form sent to a manager's browser has no password field at all."""
        arch = (
            self.env["cc.pbx.server"]
            .with_user(self.user_manager)
            .get_views([(False, "form")])["views"]["form"]["arch"]
        )
        self.assertIn('name="host"', arch)
        self.assertNotIn("esl_password", arch)
