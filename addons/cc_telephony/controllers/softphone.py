from odoo import http
from odoo.http import request


class Softphone(http.Controller):
    """What the softphone in the agent's browser asks Odoo, always about the
    current user's own agent and the device (browser) it runs on."""

    @http.route("/cc_telephony/softphone/config", type="json", auth="user")
    def config(self, device_token=None):
        """{enabled: true, ws_url, domain, username, password, display_name,
        extension, ice_servers, transfer_targets: [{label, target}]}, or
        {enabled: false, reason}."""
        return request.env["cc.sip.account"]._cc_softphone_config(device_token)

    @http.route("/cc_telephony/softphone/route_here", type="json", auth="user")
    def route_here(self, device_token=None):
        """{ok: true}, or {ok: false, reason}."""
        return request.env["cc.sip.account"]._cc_softphone_route_here(device_token)


class SipProvisioning(http.Controller):
    @http.route(
        "/cc_telephony/sip/provision/<string:token>",
        type="http",
        auth="public",
        methods=["GET"],
        csrf=False,
        save_session=False,
    )
    def provision(self, token):
        """A SIP app's configuration (Linphone remote provisioning), once,
        within ten minutes of the QR code being shown: 410 afterwards, 404 for
        a link that never existed."""
        Provisioning = request.env["cc.sip.provisioning"]
        status, account = Provisioning._cc_consume(token)
        if status == "unknown":
            return request.make_response("", status=404)
        if status == "gone":
            return request.make_response("", status=410)
        return request.make_response(
            Provisioning._cc_linphone_xml(account),
            headers=[
                ("Content-Type", "application/xml; charset=utf-8"),
                ("Cache-Control", "no-store"),
            ],
        )
