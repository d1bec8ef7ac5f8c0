import {_t} from "@web/core/l10n/translation";
import {RPCError} from "@web/core/network/rpc";
import {registry} from "@web/core/registry";
import {session} from "@web/session";

/**
 * Staffing invitations: when a manager invites the agent to fill a gap, the
 * server pushes "cc_telephony/staffing_invitation"; the agent's tabs show a
 * sticky notification with "Accept" (the time is added to their
 * availability, or the slot's rules say why not) and "Decline". The same
 * invitation pushed again shows one notification.
 */
export const staffingInvitationService = {
    dependencies: ["bus_service", "notification", "orm"],

    start(env, {bus_service: busService, notification, orm}) {
        // Invitation id: the function closing its notification.
        const shown = new Map();

        async function answer(invitationId, method) {
            shown.get(invitationId)?.();
            shown.delete(invitationId);
            try {
                await orm.call("cc.staffing.invitation", method, [[invitationId]]);
            } catch (error) {
                if (!(error instanceof RPCError)) {
                    throw error;
                }
                notification.add(error.data?.message || error.message, {
                    title: _t("Call Center"),
                    type: "danger",
                });
                return;
            }
            if (method === "action_accept") {
                notification.add(_t("Thank you: the time is in your availability."), {
                    title: _t("Call Center"),
                    type: "success",
                });
            }
        }

        function show(payload) {
            if (shown.has(payload.id)) {
                return;
            }
            const closeNotification = notification.add(
                _t(
                    "Calls are waiting without enough agents: can you take %(queue)s on %(when)s?",
                    {
                        queue: payload.queue,
                        when: payload.when,
                    }
                ),
                {
                    title: _t("Invitation to work"),
                    type: "info",
                    sticky: true,
                    className: "o_cc_staffing_invitation_notification",
                    buttons: [
                        {
                            name: _t("Accept"),
                            primary: true,
                            onClick: () => answer(payload.id, "action_accept"),
                        },
                        {
                            name: _t("Decline"),
                            onClick: () => answer(payload.id, "action_decline"),
                        },
                    ],
                    onClose: () => shown.delete(payload.id),
                }
            );
            shown.set(payload.id, closeNotification);
        }

        // Only agents are invited.
        if (session.cc_is_agent) {
            busService.subscribe("cc_telephony/staffing_invitation", show);
            busService.start();
        }
        return {answer};
    },
};

registry
    .category("services")
    .add("cc_telephony.staffing_invitation", staffingInvitationService);
