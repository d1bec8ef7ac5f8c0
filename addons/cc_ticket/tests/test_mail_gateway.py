from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.tools import mute_logger

from odoo.addons.mail.tests.common import MailCommon

from .common import TicketFixture

EMAIL = """Return-Path: <{email_from}>
From: {email_from}
To: {to}
Subject: {subject}
Message-ID: {msg_id}
{extra}Date: Sun, 22 Nov 2026 10:00:00 +0300
MIME-Version: 1.0
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: 8bit

{body}
"""


class TestMailGateway(TicketFixture, MailCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_call_center()
        cls._setup_tickets()
        cls.service_agent.write({"alias_name": "hours-help"})
        cls.alias = f"hours-help@{cls.alias_domain}"
        cls.count = 0

    def _receive(
        self, subject, email_from="Karim <karim@example.com>", extra="", body="Hi"
    ):
        type(self).count += 1
        message = EMAIL.format(
            email_from=email_from,
            to=self.alias,
            subject=subject,
            msg_id=f"<customer-{self.count}@example.com>",
            extra=extra,
            body=body,
        )
        with mute_logger("odoo.addons.mail.models.mail_thread"):
            return self.env["mail.thread"].sudo().message_process(None, message)

    def test_new_request_is_numbered_and_acknowledged(self):
        with self.mock_mail_gateway():
            ticket_id = self._receive("My meter is broken")
        ticket = self.env["cc.ticket"].browse(ticket_id)
        self.assertEqual(ticket.subject, "My meter is broken")
        self.assertEqual(ticket.channel, "email")
        self.assertEqual(ticket.service_type_id, self.service_agent)
        self.assertEqual(ticket.partner_id, self.customer)
        self.assertRegex(ticket.name, r"^TCK/")
        acknowledgement = [
            mail for mail in self._mails if ticket.name in mail["subject"]
        ]
        self.assertEqual(len(acknowledgement), 1)
        self.assertIn("karim@example.com", acknowledgement[0]["email_to"][0])
        self.assertIn(ticket.name, acknowledgement[0]["body"])

    def test_unknown_sender_gets_a_request_too(self):
        ticket = self.env["cc.ticket"].browse(
            self._receive("Hello", "Lina <lina@example.org>")
        )
        self.assertEqual(ticket.contact_email, "lina@example.org")
        self.assertEqual(ticket.stage, "new")

    def test_reply_threads_by_headers(self):
        ticket = self.env["cc.ticket"].browse(self._receive("Cracked meter glass"))
        first_id = ticket.message_ids.filtered(lambda m: m.message_type == "email")[
            -1
        ].message_id
        reply = self._receive(
            "Re: Cracked meter glass",
            extra=f"In-Reply-To: {first_id}\nReferences: {first_id}\n",
            body="Here is the photo",
        )
        self.assertEqual(reply, ticket.id)
        self.assertEqual(
            self.env["cc.ticket"].search_count(
                [("subject", "ilike", "Cracked meter glass")]
            ),
            1,
        )

    def test_reply_threads_by_the_number_in_the_subject(self):
        ticket = self.env["cc.ticket"].browse(self._receive("Cracked meter glass"))
        again = self._receive(
            f"Re: [{ticket.name}] Cracked meter glass", body="Any news?"
        )
        self.assertEqual(again, ticket.id)
        # Someone else quoting the number gets a request of their own.
        other = self._receive(
            f"[{ticket.name}] Cracked meter glass", "Eve <eve@example.net>"
        )
        self.assertNotEqual(other, ticket.id)

    def test_reply_after_resolution_reopens_then_follows_up(self):
        ticket = self.env["cc.ticket"].browse(self._receive("Cracked meter glass"))
        ticket.write({"owner_id": self.agent.id})
        ticket.action_resolve()
        self.assertEqual(ticket.stage, "resolved")
        self._receive(f"Re: [{ticket.name}] Cracked meter glass", body="It broke again")
        self.assertEqual(ticket.stage, "in_progress", "a reply within 7 days reopens")
        ticket.action_resolve()
        ticket.action_close()
        later = fields.Datetime.now() + timedelta(days=8)
        with freeze_time(later):
            self._receive(f"Re: [{ticket.name}] Cracked meter glass", body="Again!")
        self.assertEqual(ticket.stage, "closed", "too late to reopen")
        follow_up = self.env["cc.ticket"].search([("parent_id", "=", ticket.id)])
        self.assertEqual(len(follow_up), 1)
        self.assertEqual(follow_up.partner_id, self.customer)
        self.assertEqual(follow_up.owner_id, self.agent)
        self.assertIn("Again!", "".join(follow_up.message_ids.mapped("body")))
        self.assertNotIn("Again!", "".join(ticket.message_ids.mapped("body")))

    def test_internal_notes_never_reach_the_customer(self):
        ticket = self.env["cc.ticket"].browse(self._receive("Cracked meter glass"))
        with self.mock_mail_gateway():
            ticket.with_user(self.user_agent).message_post(
                body="Customer seems upset; check the meter history",
                message_type="comment",
                subtype_xmlid="mail.mt_note",
            )
        self.assertFalse(
            [
                mail
                for mail in self._mails
                if "karim@example.com" in " ".join(mail["email_to"])
            ]
        )
        with self.mock_mail_gateway():
            ticket.with_user(self.user_agent).message_post(
                body="We are sending a technician tomorrow.",
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
                partner_ids=self.customer.ids,
            )
        self.assertTrue(
            [
                mail
                for mail in self._mails
                if "karim@example.com" in " ".join(mail["email_to"])
            ]
        )
        self.assertEqual(
            ticket.sla_response_status, "met", "the first public reply counts"
        )
