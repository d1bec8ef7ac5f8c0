import logging

from odoo import api, models
from odoo.exceptions import UserError

_logger = logging.getLogger(__name__)


class CcPresenceLog(models.Model):
    _inherit = "cc.presence.log"

    @api.model
    def _cc_set_states(self, changes, origin="agent"):
        """An agent's change of state made in Odoo reaches mod_callcenter once
        it is committed: going Available logs them into their queues, a break
        or Offline takes them out. FreeSWITCH being away must not undo what the
        agent chose: that is logged, and the listener reconciles later."""
        if any(change[1] == "available" for change in changes):
            # A free agent: the callbacks waiting are offered without
            # waiting for the next minute.
            self.env["cc.callback"]._cc_dispatch_soon()
        if origin == "telephony":
            # It comes from FreeSWITCH: nothing to tell it.
            return super()._cc_set_states(changes, origin)
        agents = self.env["hr.employee"].union(*(change[0] for change in changes))
        before = self._cc_current(agents)
        after = super()._cc_set_states(changes, origin)
        for agent in agents:
            if after[agent.id] != before.get(agent.id):
                self._cc_sync_freeswitch(agent, after[agent.id].state)
        return after

    def _cc_sync_freeswitch(self, agent, state):
        """Tells mod_callcenter ``agent``'s new ``state`` once committed."""
        server = self.env["cc.pbx.server"]._cc_server_for(agent)
        if not server or not agent.sudo().cc_extension:
            return
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

    def _cc_notify(self):
        result = super()._cc_notify()
        # The wait board counts the queues' agents by state.
        self.env["cc.queue"]._cc_board_changed(self.agent_id.company_id)
        return result
