from odoo import http
from odoo.http import request


class Summons(http.Controller):
    @http.route(
        "/cc_telephony/summons/<string:token>/<any(accept,decline):answer>",
        type="http",
        auth="user",
        methods=["GET"],
    )
    def answer(self, token, answer):
        """The one-tap link of a summons (e-mail, SMS). The agent must be
        logged in (Odoo sends others to the login page, and back here), as
        the agent summoned: accepting sets them Available and opens Odoo,
        where their calls come; any other outcome is shown on a page."""
        summons = request.env["cc.summons"]._cc_from_token(token)
        if not summons:
            raise request.not_found()
        if summons.agent_id.user_id != request.env.user:
            return request.render(
                "cc_telephony.cc_summons_answer_page",
                {
                    "message": request.env._(
                        "This link is for %(agent)s: log in as them to answer.",
                        agent=summons.agent_id.name,
                    ),
                    "state": "refused",
                },
                status=403,
            )
        # _cc_from_token found it as superuser; it is the user's own summons.
        result = summons._cc_answer(answer, "link")
        if result["state"] == "accepted":
            return request.redirect("/odoo")
        return request.render("cc_telephony.cc_summons_answer_page", result)
