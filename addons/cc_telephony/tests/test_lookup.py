"""Finding the caller whatever the format of the number, in one indexed query."""

from odoo.tests import tagged

from .common import TelephonyCase


@tagged("post_install", "-at_install")
class TestLookup(TelephonyCase):
    def find(self, number):
        e164 = self.Call._cc_normalize(number, self.env.company)
        return self.env["res.partner"]._cc_find_by_number(e164)

    def test_every_format_of_a_saudi_mobile(self):
        for number in (
            "0501234567",
            "+966501234567",
            "966501234567",
            "00966501234567",
            "501234567",
            "+966 50 123 4567",
            "050-123-4567",
            "(050) 123 4567",
        ):
            with self.subTest(number=number):
                self.assertEqual(self.find(number)[:1], self.caller)

    def test_the_other_number_finds_the_customer_too(self):
        # Nora's landline, stored beside her mobile.
        for number in ("0112345678", "+966 11 234 5678", "112345678"):
            with self.subTest(number=number):
                self.assertEqual(self.find(number)[:1], self.caller)

    def test_numbers_stored_in_local_format(self):
        partner = self.env["res.partner"].create(
            {
                "name": "Omar",
                "phone": "055 987 6543",
                "country_id": self.env.ref("base.sa").id,
            }
        )
        self.assertEqual(partner.phone_sanitized, "+966559876543")
        self.assertEqual(self.find("+966559876543")[:1], partner)
        # A foreign caller's number in international format.
        partner.mobile = "+20 100 123 4567"
        self.assertEqual(self.find("0020 100 123 4567")[:1], partner)

    def test_person_before_her_company(self):
        company = self.env["res.partner"].create(
            {"name": "Qahtani Trading", "is_company": True, "phone": "+966501239876"}
        )
        person = self.env["res.partner"].create(
            {"name": "Sami", "parent_id": company.id, "mobile": "+966501239876"}
        )
        self.assertEqual(self.find("0501239876"), person | company)
        self.assertEqual(self.find("0501239876")[0], person)

    def test_not_phone_numbers(self):
        for number in ("anonymous", "1001", "", None, "Restricted"):
            with self.subTest(number=number):
                self.assertFalse(self.Call._cc_normalize(number, self.env.company))
                self.assertFalse(self.find(number))

    def test_unknown_number(self):
        self.assertFalse(self.find("0509999999"))

    def test_one_query_on_indexed_columns(self):
        e164 = self.Call._cc_normalize("0501234567", self.env.company)
        self.env.flush_all()
        with self.assertQueryCount(1):
            self.env["res.partner"]._cc_find_by_number(e164)
        self.env.cr.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'res_partner' "
            "AND (indexdef LIKE '%%(phone_sanitized)%%' "
            "OR indexdef LIKE '%%(cc_phone_alt_sanitized)%%')"
        )
        self.assertEqual(len(self.env.cr.fetchall()), 2)
