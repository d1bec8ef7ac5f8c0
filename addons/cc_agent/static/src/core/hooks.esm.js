import {onMounted, onWillUnmount, useState} from "@odoo/owl";
import {browser} from "@web/core/browser/browser";
import {_t} from "@web/core/l10n/translation";
import {RPCError} from "@web/core/network/rpc";
import {useService} from "@web/core/utils/hooks";

/**
 * Calls ``callback`` every ``delay`` milliseconds while the component is
 * mounted.
 *
 * @param {() => any} callback
 * @param {number} delay
 */
export function useInterval(callback, delay) {
    let interval = null;
    onMounted(() => {
        interval = browser.setInterval(callback, delay);
    });
    onWillUnmount(() => browser.clearInterval(interval));
}

/**
 * The current time, updated every second: reading ``clock.now`` in a template
 * makes the time in state tick.
 *
 * @returns {{now: number}}
 */
export function useClock() {
    const clock = useState({now: Date.now()});
    useInterval(() => {
        clock.now = Date.now();
    }, 1000);
    return clock;
}

/**
 * Calls ``callback(payload)`` for each "cc_agent/presence" notification the
 * server pushes (an agent changed state), while the component is mounted.
 *
 * @param {(payload: Object) => any} callback
 */
export function usePresenceNotifications(callback) {
    const busService = useService("bus_service");
    onMounted(() => busService.subscribe("cc_agent/presence", callback));
    onWillUnmount(() => busService.unsubscribe("cc_agent/presence", callback));
}

/**
 * Returns a function that shows what the server refused (a UserError, an
 * AccessError...) as a notification. Anything else is not the user's to read:
 * it is thrown again for the web client's error handling.
 *
 * @returns {(error: Error) => void}
 */
export function useServerErrorNotification() {
    const notification = useService("notification");
    return (error) => {
        if (!(error instanceof RPCError)) {
            throw error;
        }
        notification.add(error.data?.message || error.message, {
            title: _t("Call Center"),
            type: "danger",
        });
    };
}
