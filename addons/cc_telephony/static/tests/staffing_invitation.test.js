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
    waitForSteps,
} from "@web/../tests/web_test_helpers";
import {session} from "@web/session";

describe.current.tags("desktop");
defineMailModels();

const NOTIFICATION = ".o_cc_staffing_invitation_notification";
const TYPE = "cc_telephony/staffing_invitation";

function invitation(values = {}) {
    return {id: 41, queue: "Support", when: "Sun 7 Jun, 11:00–11:30", ...values};
}

async function startAgent() {
    patchWithCleanup(session, {cc_is_agent: true});
    const pyEnv = await startServer();
    await start();
    return pyEnv;
}

test("an invitation shows a sticky notification; Accept answers it", async () => {
    onRpc("cc.staffing.invitation", "action_accept", ({args}) => {
        asyncStep(`accept ${args[0][0]}`);
        return true;
    });
    const pyEnv = await startAgent();
    pyEnv["bus.bus"]._sendone("broadcast", TYPE, invitation());
    await contains(`${NOTIFICATION} .o_notification_content`, {
        text: "Calls are waiting without enough agents: can you take Support on Sun 7 Jun, 11:00–11:30?",
    });
    // Pushed again (another tab): still one notification.
    pyEnv["bus.bus"]._sendone("broadcast", TYPE, invitation());
    await click(`${NOTIFICATION} button`, {text: "Accept"});
    await waitForSteps(["accept 41"]);
    await contains(NOTIFICATION, {count: 0});
    await contains(".o_notification", {
        text: "Thank you: the time is in your availability.",
    });
});

test("Decline answers the invitation it belongs to", async () => {
    onRpc("cc.staffing.invitation", "action_decline", ({args}) => {
        asyncStep(`decline ${args[0][0]}`);
        return true;
    });
    const pyEnv = await startAgent();
    pyEnv["bus.bus"]._sendone("broadcast", TYPE, invitation());
    pyEnv["bus.bus"]._sendone("broadcast", TYPE, invitation({id: 42, queue: "Sales"}));
    await contains(NOTIFICATION, {count: 2});
    await click(`${NOTIFICATION}:contains(Sales) button`, {text: "Decline"});
    await waitForSteps(["decline 42"]);
    await contains(NOTIFICATION, {count: 1});
    expect(`${NOTIFICATION} .o_notification_content`).toHaveText(
        "Calls are waiting without enough agents: can you take Support on Sun 7 Jun, 11:00–11:30?"
    );
});
