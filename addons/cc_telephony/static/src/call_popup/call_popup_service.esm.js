import {reactive} from "@odoo/owl";
import {browser} from "@web/core/browser/browser";
import {_t} from "@web/core/l10n/translation";
import {RPCError} from "@web/core/network/rpc";
import {registry} from "@web/core/registry";
import {session} from "@web/session";
import {CallPopupContainer} from "./call_popup.esm";

// How long the card of an ended call stays, unless the agent uses it.
export const ENDED_CARD_DELAY = 10000;

/**
 * The screen-pop: the agent's calls, each shown as a card in every open tab
 * as soon as the server announces it ("cc_telephony/call" on the bus), and
 * the calls already in progress when the tab opens.
 */
export const callPopupService = {
    dependencies: ["bus_service", "notification", "orm"],

    start(env, {bus_service: busService, notification, orm}) {
        /** The calls shown, newest first: the server's payloads. */
        const calls = reactive([]);
        const closeTimers = new Map();
        // The agent's answer to the card of an ended call: it stays.
        const kept = new Set();
        // The calls the agent closed, with their state then: later news of a
        // call does not bring its card back, except that it failed.
        const dismissed = new Map();

        function clearCloseTimer(callId) {
            browser.clearTimeout(closeTimers.get(callId));
            closeTimers.delete(callId);
        }

        function close(callId) {
            clearCloseTimer(callId);
            const index = calls.findIndex((call) => call.call_id === callId);
            if (index >= 0) {
                dismissed.set(callId, calls[index].state);
                calls.splice(index, 1);
            }
        }

        /**
         * The agent used the card (pointer, keyboard): an ended call's card
         * no longer closes by itself.
         */
        function keep(callId) {
            if (closeTimers.has(callId)) {
                clearCloseTimer(callId);
                kept.add(callId);
            }
        }

        function show(payload) {
            const callId = payload.call_id;
            // Another agent took the call, or the queue moved on: the card
            // of this agent goes.
            if (payload.state === "gone") {
                close(callId);
                return;
            }
            if (dismissed.has(callId)) {
                if (payload.state !== "failed" || dismissed.get(callId) === "failed") {
                    return;
                }
                dismissed.delete(callId);
            }
            const index = calls.findIndex((shown) => shown.call_id === callId);
            // An update says what changed on a card already shown; a card this
            // tab does not show comes whole (or from get_my_live_calls).
            if (payload.update && index < 0) {
                return;
            }
            const base = payload.update ? calls[index] : {};
            const call = {...base, ...payload, receivedAt: Date.now()};
            if (index >= 0) {
                calls[index] = call;
            } else {
                calls.unshift(call);
            }
            clearCloseTimer(callId);
            if (call.state === "ended" && !kept.has(callId)) {
                closeTimers.set(
                    callId,
                    browser.setTimeout(() => close(callId), ENDED_CARD_DELAY)
                );
            }
        }

        async function loadLiveCalls() {
            let payloads = [];
            try {
                payloads = await orm.call("cc.call", "get_my_live_calls", []);
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
            // Oldest first, so that the newest ends on top; a call the bus
            // announced meanwhile is more recent than this answer.
            for (const payload of [...payloads].reverse()) {
                if (!calls.some((call) => call.call_id === payload.call_id)) {
                    show(payload);
                }
            }
        }

        // The server says whether the user works as an agent; only agents
        // take calls.
        if (session.cc_is_agent) {
            registry
                .category("main_components")
                .add("cc_telephony.CallPopupContainer", {
                    Component: CallPopupContainer,
                });
            busService.subscribe("cc_telephony/call", show);
            busService.start();
            // Not awaited: the web client does not wait for the calls.
            loadLiveCalls();
        }

        return {calls, close, keep};
    },
};

registry.category("services").add("cc_telephony.call_popup", callPopupService);
