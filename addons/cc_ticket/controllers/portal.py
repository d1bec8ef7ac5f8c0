from odoo import http
from odoo.exceptions import AccessError, MissingError
from odoo.http import request
from odoo.osv import expression

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

from ..models.cc_ticket import DONE_STAGES, OPEN_STAGES, STAGES


class TicketCustomerPortal(CustomerPortal):
    """The customer's requests in the portal: the list, and each request with
    its public conversation, where the customer replies to the agents."""

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "ticket_count" in counters:
            Ticket = request.env["cc.ticket"]
            values["ticket_count"] = (
                Ticket.search_count(
                    self._prepare_tickets_domain(request.env.user.partner_id)
                )
                if Ticket.has_access("read")
                else 0
            )
        return values

    def _prepare_tickets_domain(self, partner):
        """The requests of the customer's commercial partner: theirs, their
        company's and its other contacts', and those they follow (as sale's
        portal does; the record rule says the same for portal users)."""
        commercial = [partner.commercial_partner_id.id]
        return [
            "|",
            ("partner_id", "child_of", commercial),
            ("message_partner_ids", "child_of", commercial),
        ]

    def _get_ticket_searchbar_sortings(self):
        return {
            "date": {
                "label": request.env._("Newest"),
                "order": "create_date desc, id desc",
            },
            "name": {"label": request.env._("Number"), "order": "name desc, id desc"},
            # No "order": see _search_tickets_by_stage.
            "stage": {"label": request.env._("Stage")},
        }

    def _get_ticket_searchbar_filters(self):
        return {
            "all": {"label": request.env._("All"), "domain": []},
            "open": {
                "label": request.env._("Open"),
                "domain": [("stage", "in", OPEN_STAGES)],
            },
            "resolved": {
                "label": request.env._("Resolved"),
                "domain": [("stage", "in", DONE_STAGES)],
            },
        }

    def _get_ticket_searchbar_inputs(self):
        return {
            "all": {
                "input": "all",
                "label": request.env._("Search in Number and Subject"),
            },
            "name": {"input": "name", "label": request.env._("Search in Number")},
            "subject": {
                "input": "subject",
                "label": request.env._("Search in Subject"),
            },
        }

    def _get_ticket_search_domain(self, search_in, search):
        if search_in == "name":
            return [("name", "ilike", search)]
        if search_in == "subject":
            return [("subject", "ilike", search)]
        return ["|", ("name", "ilike", search), ("subject", "ilike", search)]

    def _search_tickets_by_stage(self, domain, offset, limit):
        """One page of requests in the order of their stages (new first, then
        newest): the stages' keys do not sort that way, so each stage's share of
        the page is searched on its own, counted first in one query."""
        Ticket = request.env["cc.ticket"]
        counts = dict(Ticket._read_group(domain, ["stage"], ["__count"]))
        tickets = Ticket.browse()
        for stage, _label in STAGES:
            count = counts.get(stage, 0)
            if offset >= count:
                offset -= count
                continue
            tickets += Ticket.search(
                expression.AND([domain, [("stage", "=", stage)]]),
                order="create_date desc, id desc",
                offset=offset,
                limit=limit - len(tickets),
            )
            offset = 0
            if len(tickets) >= limit:
                break
        return tickets

    def _prepare_tickets_values(
        self, page=1, sortby=None, filterby=None, search=None, search_in="all"
    ):
        Ticket = request.env["cc.ticket"]
        values = self._prepare_portal_layout_values()

        searchbar_sortings = self._get_ticket_searchbar_sortings()
        searchbar_filters = self._get_ticket_searchbar_filters()
        searchbar_inputs = self._get_ticket_searchbar_inputs()
        # The query string is the customer's to edit: unknown values fall back.
        sortby = sortby if sortby in searchbar_sortings else "date"
        filterby = filterby if filterby in searchbar_filters else "all"
        search_in = search_in if search_in in searchbar_inputs else "all"

        domain = expression.AND(
            [
                self._prepare_tickets_domain(request.env.user.partner_id),
                searchbar_filters[filterby]["domain"],
                self._get_ticket_search_domain(search_in, search) if search else [],
            ]
        )
        pager = portal_pager(
            url="/my/tickets",
            url_args={
                "sortby": sortby,
                "filterby": filterby,
                "search_in": search_in,
                "search": search,
            },
            total=Ticket.search_count(domain),
            page=page,
            step=self._items_per_page,
        )
        if sortby == "stage":
            tickets = self._search_tickets_by_stage(
                domain, pager["offset"], self._items_per_page
            )
        else:
            tickets = Ticket.search(
                domain,
                order=searchbar_sortings[sortby]["order"],
                limit=self._items_per_page,
                offset=pager["offset"],
            )
        values.update(
            {
                "tickets": tickets,
                "page_name": "ticket",
                "default_url": "/my/tickets",
                "pager": pager,
                "searchbar_sortings": searchbar_sortings,
                "sortby": sortby,
                "searchbar_filters": searchbar_filters,
                "filterby": filterby,
                "searchbar_inputs": searchbar_inputs,
                "search_in": search_in,
                "search": search,
            }
        )
        return values

    @http.route(
        ["/my/tickets", "/my/tickets/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
    )
    def portal_my_tickets(
        self, page=1, sortby=None, filterby=None, search=None, search_in="all", **kw
    ):
        values = self._prepare_tickets_values(
            page=page,
            sortby=sortby,
            filterby=filterby,
            search=search,
            search_in=search_in,
        )
        request.session["my_tickets_history"] = values["tickets"].ids[:100]
        return request.render("cc_ticket.portal_my_tickets", values)

    def _ticket_get_page_view_values(self, ticket_sudo, access_token, **kwargs):
        values = {
            "page_name": "ticket",
            "ticket": ticket_sudo,
            "backend_url": f"/odoo/cc.ticket/{ticket_sudo.id}",
        }
        values = self._get_page_view_values(
            ticket_sudo, access_token, values, "my_tickets_history", False, **kwargs
        )
        # The chatter posts with the request's token, as project's task page
        # does: a customer reads the request but may not write it, and posting
        # on a record asks for write access otherwise. Whoever reaches this page
        # passed the access check above, so may hold the token.
        values["token"] = ticket_sudo._portal_ensure_token()
        return values

    @http.route(
        ["/my/tickets/<int:ticket_id>"], type="http", auth="public", website=True
    )
    def portal_my_ticket(self, ticket_id, access_token=None, **kw):
        try:
            # sudo record, returned once the user may read the request (rules)
            # or holds its access token; the page shows only customer-facing
            # fields and the chatter filters out internal notes.
            ticket_sudo = self._document_check_access(
                "cc.ticket", ticket_id, access_token=access_token
            )
        except (AccessError, MissingError):
            return request.redirect("/my")
        values = self._ticket_get_page_view_values(ticket_sudo, access_token, **kw)
        return request.render("cc_ticket.portal_my_ticket", values)
