import {_t} from "@web/core/l10n/translation";
import {RPCError} from "@web/core/network/rpc";
import {registry} from "@web/core/registry";
import {session} from "@web/session";

/**
 * Standby summons: when a queue needs the agent, the server pushes
 * "cc_telephony/summons"; the agent's tabs show a sticky notification with
 * "Go Available" (accepts: the server sets the agent Available while the
 * queue still wants agents) and "Not now". A later push of the same summons
 * in another state (answered elsewhere, expired, not needed) closes it.
 */
export const summonsService = {
    dependencies: ["bus_service", "notification", "orm"],

    start(env, {bus_service: busService, notification, orm}) {
        // Summons id: the function closing its notification.
        const shown = new Map();

        function close(summonsId) {
            const closeNotification = shown.get(summonsId);
            shown.delete(summonsId);
            if (closeNotification) {
                closeNotification();
            }
        }

        async function answer(summonsId, reply) {
            close(summonsId);
            let result = null;
            try {
                result = await orm.call("cc.summons", "action_answer", [
                    [summonsId],
                    reply,
                ]);
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
            if (result.message) {
                notification.add(result.message, {
                    title: _t("Call Center"),
                    type: result.state === "accepted" ? "success" : "info",
                });
            }
        }

        function show(payload) {
            const summonsId = payload.summons_id;
            if (payload.state !== "sent") {
                close(summonsId);
                return;
            }
            if (shown.has(summonsId)) {
                return;
            }
            const closeNotification = notification.add(
                _t(
                    "%(waiting)s callers are waiting in %(queue)s. Can you go Available?",
                    {
                        waiting: payload.waiting,
                        queue: payload.queue,
                    }
                ),
                {
                    title: _t("A queue needs you"),
                    type: "warning",
                    sticky: true,
                    className: "o_cc_summons_notification",
                    buttons: [
                        {
                            name: _t("Go Available"),
                            primary: true,
                            onClick: () => answer(summonsId, "accept"),
                        },
                        {
                            name: _t("Not now"),
                            onClick: () => answer(summonsId, "decline"),
                        },
                    ],
                    onClose: () => shown.delete(summonsId),
                }
            );
            shown.set(summonsId, closeNotification);
        }

        // Only agents are summoned.
        if (session.cc_is_agent) {
            busService.subscribe("cc_telephony/summons", show);
            busService.start();
        }
        return {answer};
    },
};

registry.category("services").add("cc_telephony.summons", summonsService);
