import re

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.portal.controllers.portal import CustomerPortal


@tagged("post_install", "-at_install")
class TestTicketPortal(HttpCase):
    """The customer portal: a customer reads the requests of their own
    commercial partner, nobody else's, and answers the agents in the chatter."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.cc_ticket_reopen_days = 7
        Partner = cls.env["res.partner"]
        cls.company_nour = Partner.create(
            {"name": "Nour Trading", "is_company": True, "email": "info@nour.test"}
        )
        cls.portal_nour = new_test_user(
            cls.env,
            login="portal_nour",
            groups="base.group_portal",
            name="Nour Haddad",
            email="nour@nour.test",
        )
        cls.portal_nour.partner_id.parent_id = cls.company_nour
        cls.portal_omar = new_test_user(
            cls.env,
            login="portal_omar",
            groups="base.group_portal",
            name="Omar Saleh",
            email="omar@omar.test",
        )
        cls.manager = new_test_user(
            cls.env,
            login="portal_test_manager",
            groups="cc_agent.group_cc_manager",
            name="Manager Lina",
        )
        cls.service = cls.env["cc.service.type"].create(
            {"name": "Delivery Delay", "code": "PORTAL_DELAY"}
        )
        Ticket = cls.env["cc.ticket"]
        # Nour's own request, and one made for her company by a colleague.
        cls.ticket_nour = Ticket.create(
            {
                "subject": "Parcel never arrived",
                "partner_id": cls.portal_nour.partner_id.id,
                "service_type_id": cls.service.id,
                "description": "<p>Ordered three weeks ago, still nothing.</p>",
                "channel": "web",
            }
        )
        cls.ticket_company = Ticket.create(
            {
                "subject": "Invoice address to update",
                "partner_id": cls.company_nour.id,
                "channel": "phone",
            }
        )
        cls.ticket_omar = Ticket.create(
            {
                "subject": "Refund of a double payment",
                "partner_id": cls.portal_omar.partner_id.id,
                "channel": "phone",
            }
        )

    def _get(self, url):
        return self.url_open(url, allow_redirects=False)

    def _assertRedirectedToMy(self, response):
        self.assertEqual(response.status_code, 303)
        self.assertTrue(response.headers["Location"].endswith("/my"))

    def _chatter_fetch(self, ticket, token=None):
        """The messages the portal chatter loads, as its JavaScript asks them."""
        params = {"thread_model": "cc.ticket", "thread_id": ticket.id, "limit": 30}
        if token:
            params["token"] = token
        result = self.make_jsonrpc_request("/mail/chatter_fetch", params)
        return " ".join(
            str(message["body"]) for message in result["data"]["mail.message"]
        )

    def test_home_counts_the_customer_requests(self):
        self.authenticate("portal_nour", "portal_nour")
        home = self._get("/my/home")
        self.assertEqual(home.status_code, 200)
        self.assertIn('href="/my/tickets"', home.text)
        self.assertIn('data-placeholder_count="ticket_count"', home.text)
        counters = self.make_jsonrpc_request(
            "/my/counters", {"counters": ["ticket_count"]}
        )
        self.assertEqual(counters["ticket_count"], 2)

    def test_list_shows_the_commercial_partner_requests_only(self):
        self.authenticate("portal_nour", "portal_nour")
        page = self._get("/my/tickets")
        self.assertEqual(page.status_code, 200)
        self.assertIn(self.ticket_nour.name, page.text)
        self.assertIn(self.ticket_company.name, page.text)
        self.assertNotIn(self.ticket_omar.name, page.text)
        self.assertIn(f'href="/my/tickets/{self.ticket_nour.id}"', page.text)

    def test_list_filters_searches_and_sorts(self):
        self.ticket_company.action_resolve()
        self.authenticate("portal_nour", "portal_nour")
        open_page = self._get("/my/tickets?filterby=open").text
        self.assertIn(self.ticket_nour.name, open_page)
        self.assertNotIn(self.ticket_company.name, open_page)
        resolved_page = self._get("/my/tickets?filterby=resolved").text
        self.assertIn(self.ticket_company.name, resolved_page)
        self.assertNotIn(self.ticket_nour.name, resolved_page)

        # The searched text comes back in the search box: look for the links.
        nour_link = f'href="/my/tickets/{self.ticket_nour.id}"'
        company_link = f'href="/my/tickets/{self.ticket_company.id}"'
        by_subject = self._get("/my/tickets?search=invoice+address").text
        self.assertIn(company_link, by_subject)
        self.assertNotIn(nour_link, by_subject)
        by_number = self._get(
            f"/my/tickets?search_in=name&search={self.ticket_nour.name}"
        ).text
        self.assertIn(nour_link, by_number)
        self.assertNotIn(company_link, by_number)
        # Another customer's request is not found by its number either.
        foreign = self._get(f"/my/tickets?search={self.ticket_omar.name}").text
        self.assertNotIn(f'href="/my/tickets/{self.ticket_omar.id}"', foreign)
        self.assertIn("No request matches.", foreign)

        # By stage, open requests come before resolved ones (the stage keys
        # would sort "resolved" first).
        by_stage = self._get("/my/tickets?sortby=stage").text
        self.assertLess(
            by_stage.index(f"/my/tickets/{self.ticket_nour.id}"),
            by_stage.index(f"/my/tickets/{self.ticket_company.id}"),
        )
        for sortby in ("date", "name", "not_a_sort"):
            response = self._get(f"/my/tickets?sortby={sortby}&filterby=nonsense")
            self.assertEqual(response.status_code, 200)
            self.assertIn(self.ticket_nour.name, response.text)

    def test_list_pages_by_stage(self):
        """Sorted by stage, each page holds the next requests in stage order."""
        Ticket = self.env["cc.ticket"]
        extra = Ticket.create(
            [
                {
                    "subject": f"Question {index}",
                    "partner_id": self.company_nour.id,
                    "channel": "phone",
                }
                for index in range(3)
            ]
        )
        extra[0].action_wait_customer()
        self.patch(CustomerPortal, "_items_per_page", 2)
        self.authenticate("portal_nour", "portal_nour")
        shown = []
        for page in (1, 2, 3):
            url = "/my/tickets" + (f"/page/{page}" if page > 1 else "")
            text = self._get(f"{url}?sortby=stage").text
            # Each request is linked twice (number and subject).
            links = re.findall(r'href="/my/tickets/(\d+)"', text)
            shown += [int(found) for found in dict.fromkeys(links)]
        expected = Ticket.search(
            [("partner_id", "child_of", self.company_nour.id)],
            order="create_date desc, id desc",
        ).sorted(lambda t: ["new", "in_progress", "waiting"].index(t.stage))
        self.assertEqual(shown, expected.ids)

    def test_request_page(self):
        self.authenticate("portal_nour", "portal_nour")
        page = self._get(f"/my/tickets/{self.ticket_nour.id}")
        self.assertEqual(page.status_code, 200)
        for text in (
            self.ticket_nour.name,
            "Parcel never arrived",
            "Delivery Delay",
            "Ordered three weeks ago, still nothing.",
            "New",
            "o_portal_chatter",
        ):
            self.assertIn(text, page.text)
        # The chatter may post: it carries the request's token.
        self.env.invalidate_all()
        self.assertTrue(self.ticket_nour.access_token)
        self.assertIn(f'data-token="{self.ticket_nour.access_token}"', page.text)
        # The company's request is shown too.
        page = self._get(f"/my/tickets/{self.ticket_company.id}")
        self.assertEqual(page.status_code, 200)
        self.assertIn("Invoice address to update", page.text)

    def test_other_customer_request_is_refused(self):
        self.authenticate("portal_nour", "portal_nour")
        self._assertRedirectedToMy(self._get(f"/my/tickets/{self.ticket_omar.id}"))
        self._assertRedirectedToMy(
            self._get(f"/my/tickets/{self.ticket_omar.id}?access_token=wrong-token")
        )
        self._assertRedirectedToMy(self._get("/my/tickets/999999999"))
        # Nor can the ORM reach it, or change her own request.
        Ticket = self.env["cc.ticket"].with_user(self.portal_nour)
        self.assertEqual(Ticket.search([]), self.ticket_nour | self.ticket_company)
        with self.assertRaises(AccessError):
            self.ticket_omar.with_user(self.portal_nour).check_access("read")
        with self.assertRaises(AccessError):
            self.ticket_nour.with_user(self.portal_nour).write({"subject": "Mine"})

    def test_access_token(self):
        token = self.ticket_omar._portal_ensure_token()
        # Anonymous, with the link of the request's e-mail.
        page = self._get(f"/my/tickets/{self.ticket_omar.id}?access_token={token}")
        self.assertEqual(page.status_code, 200)
        self.assertIn("Refund of a double payment", page.text)
        response = self._get(f"/my/tickets/{self.ticket_omar.id}?access_token=wrong")
        self.assertEqual(response.status_code, 303)
        self.assertNotIn("Refund of a double payment", response.text)
        response = self._get(f"/my/tickets/{self.ticket_omar.id}")
        self.assertEqual(response.status_code, 303)

    def test_chatter_shows_public_replies_not_internal_notes(self):
        ticket = self.ticket_nour.with_user(self.manager)
        ticket.message_post(
            body="We have asked the carrier where your parcel is.",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        ticket.message_post(
            body="Carrier contract expires soon, do not mention it.",
            message_type="comment",
            subtype_xmlid="mail.mt_note",
        )
        self.authenticate("portal_nour", "portal_nour")
        page = self._get(f"/my/tickets/{self.ticket_nour.id}").text
        self.assertNotIn("Carrier contract", page)
        token = re.search(r'data-token="([^"]+)"', page)[1]
        for fetch_token in (token, None):
            messages = self._chatter_fetch(self.ticket_nour, token=fetch_token)
            self.assertIn("We have asked the carrier where your parcel is.", messages)
            self.assertNotIn("Carrier contract", messages)

    def test_portal_reply_reopens_resolved_request(self):
        self.ticket_nour.action_resolve()
        self.assertEqual(self.ticket_nour.stage, "resolved")
        self.authenticate("portal_nour", "portal_nour")
        page = self._get(f"/my/tickets/{self.ticket_nour.id}").text
        self.assertIn("This request is resolved.", page)
        token = re.search(r'data-token="([^"]+)"', page)[1]
        # What the portal chatter's composer sends.
        self.make_jsonrpc_request(
            "/mail/message/post",
            {
                "thread_model": "cc.ticket",
                "thread_id": self.ticket_nour.id,
                "post_data": {
                    "body": "Still no parcel, please look again.",
                    "message_type": "comment",
                    "subtype_xmlid": "mail.mt_comment",
                },
                "token": token,
            },
        )
        self.env.invalidate_all()
        self.assertEqual(self.ticket_nour.stage, "in_progress")
        self.assertFalse(self.ticket_nour.date_resolved)
        reply = self.ticket_nour.message_ids.filtered(
            lambda message: "Still no parcel" in str(message.body)
        )
        self.assertEqual(reply.author_id, self.portal_nour.partner_id)
        self.assertFalse(reply.subtype_id.internal)
