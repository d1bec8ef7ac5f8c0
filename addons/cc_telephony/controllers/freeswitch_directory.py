import hashlib
import hmac
import logging

from lxml import etree

from odoo import http
from odoo.http import request

_logger = logging.getLogger(__name__)

XML_HEADERS = [
    ("Content-Type", "text/xml; charset=utf-8"),
    ("Cache-Control", "no-store"),
]
# The dial string of a user of the domain (FreeSWITCH's vanilla one, without
# verto): where user/<name>@<domain> rings.
DOMAIN_DIAL_STRING = (
    "{^^:sip_invite_domain=${dialed_domain}:presence_id=${dialed_user}@${dialed_domain}}"
    "${sofia_contact(*/${dialed_user}@${dialed_domain})}"
)


class FreeswitchDirectory(http.Controller):
    """FreeSWITCH's directory, served to mod_xml_curl (binding "directory" of
    config/freeswitch/autoload_configs/xml_curl.conf.xml).

    FreeSWITCH asks for a user of a domain each time a phone registers or
    calls (action sip_auth), a call is placed to user/<name> (user_call),
    and for other purposes (reverse-auth-lookup, voicemail, presence...).
    The node authenticates with HTTP basic authentication (its directory
    secret) and, optionally, its address. The answer is the user with the
    digest hash of its password (never the password), the variables of its
    calls, or "not found", which sends FreeSWITCH to its own files (which
    hold no agent). Only the directory section is served.
    """

    @http.route(
        "/cc_telephony/freeswitch/directory",
        type="http",
        auth="none",
        methods=["POST"],
        csrf=False,
        save_session=False,
    )
    def directory(self, **params):
        server = self._authenticated_server()
        if not server:
            return request.make_response(
                "",
                headers=[("WWW-Authenticate", 'Basic realm="FreeSWITCH directory"')],
                status=401,
            )
        document = self._directory_document(server, params)
        return request.make_response(
            etree.tostring(document, encoding="UTF-8"), headers=XML_HEADERS
        )

    def _authenticated_server(self):
        """The enabled node whose directory secret the request carries, when
        it comes from an address the node admits."""
        authorization = request.httprequest.authorization
        password = (authorization and authorization.password) or ""
        if not password:
            return None
        # sudo: FreeSWITCH has no user; the secret below is the access check.
        servers = (
            request.env["cc.pbx.server"]
            .sudo()
            .search([("enabled", "=", True), ("directory_secret", "!=", False)])
        )
        found = None
        given = hashlib.sha256(password.encode()).digest()
        for server in servers:
            # Compared with every node, in constant time (digests of equal
            # length: not even the secret's length shows).
            expected = hashlib.sha256(server.directory_secret.encode()).digest()
            if hmac.compare_digest(expected, given):
                found = server
        address = request.httprequest.remote_addr
        if not found or not found._cc_directory_allows(address):
            _logger.info("Directory request refused (from %s)", address)
            return None
        return found

    def _directory_document(self, server, params):
        domain = params.get("domain") or (
            params.get("key_value") if params.get("tag_name") == "domain" else None
        )
        user = params.get("user") or ""
        if (
            params.get("section") != "directory"
            or not user
            or domain != server._cc_domain()
        ):
            return self._not_found()
        action = params.get("action") or ""
        account = (
            request.env["cc.sip.account"]
            .sudo()
            .search(
                [
                    ("username", "=", user),
                    ("server_id", "=", server.id),
                    ("state", "=", "active"),
                ],
                limit=1,
            )
        )
        if account and account.agent_id.is_cc_agent and account.agent_id.active:
            return self._account_document(server, domain, account, action)
        if action == "user_call" and user.isdigit():
            return self._extension_document(server, domain, user)
        return self._not_found()

    def _account_document(self, server, domain, account, action):
        agent = account.agent_id
        params = {}
        # The hash answers a phone's authentication only: other lookups
        # (calls to the user, presence) never receive it.
        if action == "sip_auth":
            params["a1-hash"] = account._cc_a1_hash()
        variables = {
            "user_context": server.agent_context,
            "effective_caller_id_name": agent.name,
            "effective_caller_id_number": agent.cc_extension,
            "cc_agent_extension": agent.cc_extension,
            "cc_sip_account_kind": account.kind,
        }
        return self._user_document(domain, account.username, params, variables)

    def _extension_document(self, server, domain, extension):
        """user/<extension> (the node's agent dial string, click-to-dial, a
        desk phone's old habit) rings the agent's route of the moment. An agent
        without a route of Odoo's is left to FreeSWITCH's own files."""
        agent = (
            request.env["hr.employee"]
            .sudo()
            .search(
                [
                    ("cc_extension", "=", extension),
                    ("is_cc_agent", "=", True),
                    ("company_id", "=", server.company_id.id),
                ],
                limit=1,
            )
        )
        route = agent and server._cc_agent_route(agent)
        if not route or route["route"] == "extension":
            return self._not_found()
        params = {"dial-string": route["contact"], "sip-forbid-register": "true"}
        variables = {"cc_agent_extension": extension}
        return self._user_document(domain, extension, params, variables)

    def _user_document(self, domain, user_id, params, variables):
        document = etree.Element("document", type="freeswitch/xml")
        section = etree.SubElement(document, "section", name="directory")
        domain_element = etree.SubElement(section, "domain", name=domain)
        domain_params = etree.SubElement(domain_element, "params")
        etree.SubElement(
            domain_params, "param", name="dial-string", value=DOMAIN_DIAL_STRING
        )
        users = etree.SubElement(domain_element, "users")
        user = etree.SubElement(users, "user", id=user_id)
        user_params = etree.SubElement(user, "params")
        for name, value in params.items():
            etree.SubElement(user_params, "param", name=name, value=value)
        user_variables = etree.SubElement(user, "variables")
        for name, value in variables.items():
            etree.SubElement(user_variables, "variable", name=name, value=value or "")
        return document

    @staticmethod
    def _not_found():
        document = etree.Element("document", type="freeswitch/xml")
        section = etree.SubElement(document, "section", name="result")
        etree.SubElement(section, "result", status="not found")
        return document
