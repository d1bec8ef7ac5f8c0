from datetime import datetime, timedelta
from unittest.mock import patch

import pyotp
from freezegun import freeze_time

from odoo.exceptions import UserError

from .common import TicketCase


class TestVerification(TicketCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.service_agent.verification_required = True
        cls.Verification = cls.env["cc.ticket.verification"]

    def _code(self, check):
        return pyotp.HOTP(check.sudo().secret).at(0)

    def test_code_goes_to_the_registered_address_and_verifies(self):
        # The caller gave another address on the phone: it is not used.
        ticket = self._ticket(contact_email="someone.else@example.com")
        sent = []
        MailServer = type(self.env["ir.mail_server"])
        original = MailServer.send_email

        def capture(server, message, *args, **kwargs):
            sent.append(message)
            return original(server, message, *args, **kwargs)

        with patch.object(MailServer, "send_email", capture):
            check = self.Verification.with_user(self.user_agent)._start(ticket)
        self.assertEqual(len(sent), 1)
        self.assertIn("karim@example.com", sent[0]["To"])
        self.assertIn(self._code(check), sent[0].get_body().get_content())
        self.assertEqual(check.destination, "ka***@example.com")
        self.assertEqual(check.state, "pending")
        self.assertFalse(ticket.identity_verified)
        self.assertNotIn(
            self._code(check),
            "".join(ticket.message_ids.mapped("body")),
            "not in the chatter",
        )
        self.assertEqual(
            check.with_user(self.user_agent)._check_code(self._code(check)), "verified"
        )
        self.assertTrue(ticket.identity_verified)
        self.assertEqual(ticket.identity_method, "email")
        self.assertTrue(ticket.identity_verified_at)

    def test_the_secret_is_not_for_agents(self):
        ticket = self._ticket()
        check = self.Verification.with_user(self.user_agent)._start(ticket)
        self.assertNotIn("secret", check.with_user(self.user_agent).fields_get())

    def test_attempts_are_limited(self):
        ticket = self._ticket()
        check = self.Verification._start(ticket)
        self.assertEqual(check._check_code("wrong1"), "wrong")
        self.assertEqual(check._check_code("bad"), "wrong")
        self.assertEqual(check._check_code("also bad"), "failed")
        self.assertEqual(check.attempts, 3)
        with self.assertRaisesNaming(UserError, "send a new code"):
            check._check_code(self._code(check))
        self.assertFalse(ticket.identity_verified)

    def test_codes_expire(self):
        ticket = self._ticket()
        start = datetime(2026, 11, 22, 8, 0)
        with freeze_time(start):
            check = self.Verification._start(ticket)
        with freeze_time(start + timedelta(minutes=10, seconds=1)):
            self.assertEqual(check._check_code(self._code(check)), "expired")
        self.assertEqual(check.state, "expired")
        self.assertFalse(ticket.identity_verified)

    def test_a_new_code_cancels_the_previous_one(self):
        ticket = self._ticket()
        first = self.Verification._start(ticket)
        second = self.Verification._start(ticket)
        self.assertEqual(first.state, "expired")
        self.assertEqual(second.state, "pending")

    def test_no_registered_address_no_code(self):
        self.customer.email = False
        with self.assertRaisesNaming(UserError, "no registered e-mail"):
            self.Verification._start(self._ticket())
        with self.assertRaisesNaming(UserError, "no customer"):
            self.Verification._start(self._ticket(partner_id=False))

    def test_wizard(self):
        ticket = self._ticket()
        Wizard = self.env["cc.ticket.verify"].with_user(self.user_agent)
        wizard = Wizard.create({"ticket_id": ticket.id})
        wizard.action_send()
        self.assertTrue(wizard.verification_id)
        wizard.code = "nope"
        action = wizard.action_check()
        self.assertEqual(action["res_model"], "cc.ticket.verify")
        self.assertIn("2 tries left", wizard.message)
        wizard.code = self._code(wizard.verification_id)
        action = wizard.action_check()
        self.assertEqual(action["params"]["type"], "success")
        self.assertTrue(ticket.identity_verified)
