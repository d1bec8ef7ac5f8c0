import {describe, expect, test} from "@odoo/hoot";
import {
    click,
    contains,
    defineMailModels,
    start,
    startServer,
} from "@mail/../tests/mail_test_helpers";
import {
    asyncStep,
    onRpc,
    patchWithCleanup,
    serverState,
    waitForSteps,
} from "@web/../tests/web_test_helpers";
import {session} from "@web/session";

describe.current.tags("desktop");
defineMailModels();

const NOTIFICATION = ".o_cc_callback_notification";

/** A callback as the server offers it to the agent. */
function makeCallback(values = {}) {
    return {
        callback_id: 5,
        state: "assigned",
        customer: "Nora Al-Qahtani",
        number: "+966501234567",
        queue: "Support",
        date_requested: "2026-11-29 08:39:05",
        attempt: 1,
        ...values,
    };
}

/** Starts the web client of an agent; returns a function offering a callback. */
async function startAgent() {
    patchWithCleanup(session, {cc_is_agent: true});
    onRpc("get_my_status", () => ({
        agent: {id: 7, name: "Agent Amal"},
        state: "available",
        break_reason: false,
        since: false,
        reasons: [],
        quota: {date: "2026-11-29", handled: 0, minimum: 0, off: false},
        earnings: {amount: 0, symbol: "SAR", position: "before", digits: 2},
        device: "active",
    }));
    onRpc("cc.call", "get_my_live_calls", () => []);
    onRpc("/cc_telephony/softphone/config", () => ({enabled: false, reason: ""}));
    const pyEnv = await startServer();
    await start();
    const [partner] = pyEnv["res.partner"].read(serverState.partnerId);
    return (payload) =>
        pyEnv["bus.bus"]._sendone(partner, "cc_telephony/callback", payload);
}

test("an offered callback shows until the agent calls, with Call Now", async () => {
    const offer = await startAgent();
    onRpc("cc.callback", "action_call", ({args}) => {
        asyncStep(`action_call ${JSON.stringify(args)}`);
        return true;
    });
    offer(makeCallback());
    await contains(`${NOTIFICATION} .o_notification_title`, {
        text: "Call back Nora Al-Qahtani (Support)",
    });
    expect(`${NOTIFICATION} .o_notification_content`).toHaveText(
        "Nora Al-Qahtani (+966501234567) waits for your call, attempt 1."
    );
    await click(`${NOTIFICATION} .o_notification_buttons button`, {text: "Call Now"});
    await waitForSteps(["action_call [[5]]"]);
    await contains(NOTIFICATION, {count: 0});
});

test("a callback taken back closes its notification", async () => {
    const offer = await startAgent();
    offer(makeCallback({customer: false, attempt: 2}));
    await contains(`${NOTIFICATION} .o_notification_content`, {
        text: "+966501234567 waits for your call, attempt 2.",
    });
    offer({callback_id: 5, state: "gone"});
    await contains(NOTIFICATION, {count: 0});
});
