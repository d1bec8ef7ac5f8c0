import {_t} from "@web/core/l10n/translation";
import {registry} from "@web/core/registry";
import {session} from "@web/session";

/**
 * Callbacks offered to the agent ("cc_telephony/callback" on the bus): a
 * notification that stays until the agent calls the customer back, with a
 * button that places the call; it closes in every tab when the callback is
 * taken back ("gone") or the call is placed.
 */
export const callbackNotificationService = {
    dependencies: ["bus_service", "notification", "orm"],

    start(env, {bus_service: busService, notification, orm}) {
        /** callback id: the function closing its notification. */
        const shown = new Map();

        function close(callbackId) {
            const closeNotification = shown.get(callbackId);
            shown.delete(callbackId);
            if (closeNotification) {
                closeNotification();
            }
        }

        async function callNow(callbackId) {
            await orm.call("cc.callback", "action_call", [[callbackId]]);
            close(callbackId);
        }

        function show(payload) {
            const callbackId = payload.callback_id;
            close(callbackId);
            if (payload.state !== "assigned") {
                return;
            }
            const who = payload.customer || payload.number;
            const message = payload.customer
                ? _t(
                      "%(customer)s (%(number)s) waits for your call, attempt %(attempt)s.",
                      {
                          customer: payload.customer,
                          number: payload.number,
                          attempt: payload.attempt,
                      }
                  )
                : _t("%(number)s waits for your call, attempt %(attempt)s.", {
                      number: payload.number,
                      attempt: payload.attempt,
                  });
            shown.set(
                callbackId,
                notification.add(message, {
                    title: _t("Call back %(who)s (%(queue)s)", {
                        who,
                        queue: payload.queue,
                    }),
                    type: "warning",
                    sticky: true,
                    className: "o_cc_callback_notification",
                    buttons: [
                        {
                            name: _t("Call Now"),
                            icon: "fa-phone",
                            primary: true,
                            onClick: () => callNow(callbackId),
                        },
                    ],
                    onClose: () => shown.delete(callbackId),
                })
            );
        }

        if (session.cc_is_agent) {
            busService.subscribe("cc_telephony/callback", show);
            busService.start();
        }
        return {show, close};
    },
};

registry
    .category("services")
    .add("cc_telephony.callback_notification", callbackNotificationService);
