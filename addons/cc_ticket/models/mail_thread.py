from odoo import api, models, tools

from .cc_ticket import NUMBER_IN_SUBJECT


class MailThread(models.AbstractModel):
    _inherit = "mail.thread"

    @api.model
    def message_route(
        self, message, message_dict, model=None, thread_id=None, custom_values=None
    ):
        """A customer's reply whose headers were lost (a new e-mail, a client
        that drops References) still finds its request by the number in the
        subject, when it comes from the request's own customer; anyone else
        gets a new request."""
        routes = super().message_route(
            message,
            message_dict,
            model=model,
            thread_id=thread_id,
            custom_values=custom_values,
        )
        numbers = NUMBER_IN_SUBJECT.findall(message_dict.get("subject") or "")
        if not numbers:
            return routes
        sender = tools.email_normalize(message_dict.get("email_from") or "")
        result = []
        for route in routes:
            route_model, route_thread_id = route[0], route[1]
            if route_model == "cc.ticket" and not route_thread_id and sender:
                ticket = (
                    self.env["cc.ticket"]
                    .sudo()
                    .search([("name", "in", numbers)], limit=1)
                )
                known = {
                    tools.email_normalize(ticket.contact_email or ""),
                    tools.email_normalize(ticket.partner_id.email or ""),
                } - {False, ""}
                if ticket and sender in known:
                    route = ("cc.ticket", ticket.id, *route[2:])
            result.append(route)
        return result
