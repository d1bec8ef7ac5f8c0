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

const NOTIFICATION = ".o_cc_summons_notification";

function summons(values = {}) {
    return {summons_id: 31, state: "sent", queue: "Support", waiting: 6, ...values};
}

/** Starts the web client of an agent; returns a function pushing a summons. */
async function startAgent() {
    patchWithCleanup(session, {cc_is_agent: true});
    // What else an agent's web client asks (presence, calls, softphone).
    onRpc("get_my_status", () => ({
        agent: {id: 7, name: "Agent Amal"},
        state: "offline",
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
    // As the server does: to the agent's user, whatever tab they are on.
    return (payload) =>
        pyEnv["bus.bus"]._sendone(partner, "cc_telephony/summons", payload);
}

test("a summons shows a sticky notification; Go Available accepts it", async () => {
    onRpc("cc.summons", "action_answer", ({args}) => {
        asyncStep(`${args[0][0]} ${args[1]}`);
        return {state: "accepted", message: "Thank you: you are Available in Support."};
    });
    const push = await startAgent();
    push(summons());
    await contains(`${NOTIFICATION} .o_notification_content`, {
        text: "6 callers are waiting in Support. Can you go Available?",
    });
    expect(`${NOTIFICATION} .o_notification_title`).toHaveText("A queue needs you");
    // Told again (another tab's push): still one notification.
    push(summons());
    await click(`${NOTIFICATION} .o_notification_buttons button`, {
        text: "Go Available",
    });
    await waitForSteps(["31 accept"]);
    await contains(NOTIFICATION, {count: 0});
    await contains(".o_notification_content", {
        text: "Thank you: you are Available in Support.",
    });
});

test("not now declines; an expired summons closes its notification", async () => {
    onRpc("cc.summons", "action_answer", ({args}) => {
        asyncStep(`${args[0][0]} ${args[1]}`);
        return {state: "declined", message: ""};
    });
    const push = await startAgent();
    push(summons());
    push(summons({summons_id: 32, queue: "Sales"}));
    await contains(NOTIFICATION, {count: 2});
    push(summons({state: "expired"}));
    await contains(NOTIFICATION, {count: 1});
    expect(`${NOTIFICATION} .o_notification_content`).toHaveText(
        "6 callers are waiting in Sales. Can you go Available?"
    );
    await click(`${NOTIFICATION} .o_notification_buttons button`, {text: "Not now"});
    await waitForSteps(["32 decline"]);
    await contains(NOTIFICATION, {count: 0});
    expect(".o_notification").toHaveCount(0);
});
