import logging

from odoo import api, models
from odoo.exceptions import UserError

_logger = logging.getLogger(__name__)


class CcPresenceLog(models.Model):
    _inherit = "cc.presence.log"

    @api.model
    def _cc_set_state(self, agent, state, reason=None, origin="agent", when=None):
        """An agent's change of state made in Odoo reaches mod_callcenter once
        it is committed: going Available logs them into their queues, a break
        or Offline takes them out. FreeSWITCH being away must not undo what the
        agent chose: that is logged, and the listener reconciles later."""
        before = self._cc_current(agent).get(agent.id)
        log = super()._cc_set_state(
            agent, state, reason=reason, origin=origin, when=when
        )
        if origin == "telephony" or log == before:
            return log
        server = self.env["cc.pbx.server"]._cc_server_for(agent)
        if not server or not agent.sudo().cc_extension:
            return log
        server_id, agent_id, dbname = server.id, agent.id, self.env.cr.dbname

        @self.env.cr.postcommit.add
        def sync_freeswitch():
            registry = self.env.registry
            with registry.cursor() as cr:
                env = api.Environment(cr, self.env.uid, {})
                node = env["cc.pbx.server"].sudo().browse(server_id)
                try:
                    node._cc_set_agent_status(
                        env["hr.employee"].browse(agent_id), state
                    )
                except UserError as error:
                    _logger.warning(
                        "Agent %s (%s): status not sent to FreeSWITCH: %s",
                        agent_id,
                        dbname,
                        error,
                    )

        return log
