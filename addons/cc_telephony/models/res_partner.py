from odoo import api, fields, models


class ResPartner(models.Model):
    """Finding the customer behind a calling number in one indexed query.

    ``phone_sanitized`` (mail.thread.phone) holds one number per contact, the
    mobile first; a customer calling from their other number must be found
    too, so the other one is kept sanitized beside it. Both are indexed: the
    lookup is an OR of two index scans, whatever the number of contacts.
    """

    _inherit = "res.partner"

    phone_sanitized = fields.Char(index="btree_not_null")
    cc_phone_alt_sanitized = fields.Char(
        string="Other Number (sanitized)",
        compute="_compute_cc_phone_alt_sanitized",
        compute_sudo=True,
        store=True,
        index="btree_not_null",
        help="The contact's other number (the landline when the mobile is "
        "filled), in E.164, for finding callers.",
    )

    @api.depends("phone", "mobile", "country_id")
    def _compute_cc_phone_alt_sanitized(self):
        for partner in self:
            other = partner._phone_format(fname="phone") if partner.mobile else False
            partner.cc_phone_alt_sanitized = (
                other if other and other != partner.phone_sanitized else False
            )

    @api.model
    def _cc_find_by_number(self, e164):
        """The contacts whose mobile or phone is ``e164`` (already normalized),
        companies last."""
        if not e164:
            return self.browse()
        return self.search(
            [
                "|",
                ("phone_sanitized", "=", e164),
                ("cc_phone_alt_sanitized", "=", e164),
            ],
            order="is_company, id desc",
            limit=5,
        )

    @api.model
    def _cc_find_by_numbers(self, numbers):
        """{number: the contact _cc_find_by_number finds first} for those of
        ``numbers`` (normalized) it finds, in one query."""
        wanted = {number for number in numbers if number}
        if not wanted:
            return {}
        # What a busy number (a company's switchboard on many contacts) may
        # add is bounded; a number it crowds out is looked up alone.
        limit = 5 * len(wanted)
        partners = self.search(
            [
                "|",
                ("phone_sanitized", "in", list(wanted)),
                ("cc_phone_alt_sanitized", "in", list(wanted)),
            ],
            order="is_company, id desc",
            limit=limit,
        )
        found = {}
        for partner in partners:
            for number in (partner.phone_sanitized, partner.cc_phone_alt_sanitized):
                if number in wanted:
                    found.setdefault(number, partner)
        if len(partners) == limit:
            for number in wanted - set(found):
                partner = self._cc_find_by_number(number)[:1]
                if partner:
                    found[number] = partner
        return found
