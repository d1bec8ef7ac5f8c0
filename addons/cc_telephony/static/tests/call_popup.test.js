import {describe, expect, test} from "@odoo/hoot";
import {dblclick, queryAllTexts} from "@odoo/hoot-dom";
import {advanceTime, Deferred} from "@odoo/hoot-mock";
import {
    click,
    contains,
    defineMailModels,
    start,
    startServer,
} from "@mail/../tests/mail_test_helpers";
import {
    asyncStep,
    getService,
    makeServerError,
    onRpc,
    patchWithCleanup,
    serverState,
    waitForSteps,
} from "@web/../tests/web_test_helpers";
import {session} from "@web/session";

describe.current.tags("desktop");
defineMailModels();

const CARD = ".o_cc_call_popup";

/** A call as the server announces it: Mohammed's, offered to the agent. */
function makeCall(values = {}) {
    return {
        call_id: 41,
        state: "offering",
        direction: "inbound",
        number: "+966 55 111 2233",
        number_e164: "+966551112233",
        partner: {id: 9, name: "Mohammed Al-Ghamdi"},
        queue: "Billing",
        service_type: {id: 3, name: "Refund"},
        wait: 65,
        failure_reason: false,
        tickets: [
            {
                id: 12,
                name: "TCK/2026/00012",
                subject: "Meter fault",
                stage: "in_progress",
            },
        ],
        last_contacts: [
            {date: "2026-03-01 09:30:00", channel: "inbound_call", agent: "Agent Amal"},
        ],
        ...values,
    };
}

/**
 * Logs in as an agent whose calls in progress are ``liveCalls`` (or what the
 * function gives); each get_my_live_calls is a step.
 */
function mockAgent(liveCalls = []) {
    patchWithCleanup(session, {cc_is_agent: true});
    // The agent's presence in the navigation bar (cc_agent).
    onRpc("get_my_status", () => ({
        agent: {id: 7, name: "Agent Amal"},
        state: "available",
        break_reason: false,
        since: false,
        reasons: [],
        quota: {date: "2026-03-01", handled: 0, minimum: 0, off: false},
        earnings: {amount: 0, symbol: "SAR", position: "before", digits: 2},
        device: "active",
    }));
    onRpc("cc.call", "get_my_live_calls", () => {
        asyncStep("get_my_live_calls");
        return typeof liveCalls === "function" ? liveCalls() : liveCalls;
    });
    // The softphone (softphone.test.js) stays out of these tests.
    onRpc("/cc_telephony/softphone/config", () => ({enabled: false, reason: ""}));
}

/** Starts the web client of an agent and returns a function announcing a call. */
async function startAgent(liveCalls = []) {
    mockAgent(liveCalls);
    const pyEnv = await startServer();
    await start();
    await waitForSteps(["get_my_live_calls"]);
    const [partner] = pyEnv["res.partner"].read(serverState.partnerId);
    // As the server does: to the agent's user, whatever tab they are on.
    return (call) => pyEnv["bus.bus"]._sendone(partner, "cc_telephony/call", call);
}

/** Records the actions run, instead of running them. */
function recordActions() {
    patchWithCleanup(getService("action"), {
        doAction(action) {
            asyncStep(`doAction ${action.res_model} ${action.res_id || "new"}`);
        },
    });
}

test("pops up by itself with the customer, the queue and their requests", async () => {
    const notify = await startAgent();
    expect(CARD).toHaveCount(0);
    notify(makeCall());
    await contains(`${CARD} .o_cc_call_popup_name`, {text: "Mohammed Al-Ghamdi"});
    expect(`${CARD} .o_cc_call_popup_number`).toHaveText("+966 55 111 2233");
    expect(`${CARD} .o_cc_call_popup_state`).toHaveText("Incoming call");
    expect(`${CARD} .o_cc_call_popup_queue`).toHaveText(/Billing/);
    expect(`${CARD} .o_cc_call_popup_wait`).toHaveText("1:05");
    expect(`${CARD} .o_cc_call_popup_service`).toHaveText(/Refund/);
    expect(`${CARD} .o_cc_call_popup_ticket`).toHaveText(
        /TCK\/2026\/00012.*Meter fault/
    );
    expect(`${CARD} .o_cc_call_popup_ticket_stage`).toHaveText("In Progress");
    // The contact's date in the user's time zone (UTC+1 in tests).
    expect(queryAllTexts(`${CARD} .o_cc_call_popup_contact span`)).toEqual([
        "03/01/2026 10:30:00",
        "Inbound call",
        "Agent Amal",
    ]);
    expect(`${CARD} .o_cc_call_popup_open_customer`).toHaveCount(1);
    expect(`${CARD} .o_cc_call_popup_new_ticket`).toHaveCount(1);
    expect(`${CARD} .o_cc_call_popup_new_customer`).toHaveCount(0);
});

test("an unknown caller is shown as Unknown number, with New customer", async () => {
    const notify = await startAgent();
    notify(
        makeCall({
            partner: false,
            queue: false,
            service_type: false,
            tickets: [],
            last_contacts: [],
        })
    );
    await contains(`${CARD} .o_cc_call_popup_name`, {text: "Unknown number"});
    expect(`${CARD} .o_cc_call_popup_number`).toHaveText("+966 55 111 2233");
    expect(`${CARD} .o_cc_call_popup_new_customer`).toHaveCount(1);
    expect(`${CARD} .o_cc_call_popup_open_customer`).toHaveCount(0);
    expect(`${CARD} .o_cc_call_popup_queue`).toHaveCount(0);
    expect(`${CARD} .o_cc_call_popup_service`).toHaveCount(0);
    expect(`${CARD} .o_cc_call_popup_tickets`).toHaveCount(0);
    expect(`${CARD} .o_cc_call_popup_contacts`).toHaveCount(0);
});

test("a state change updates the call's card; another call gets its own", async () => {
    const notify = await startAgent();
    notify(makeCall({state: "queued"}));
    await contains(`${CARD} .o_cc_call_popup_state`, {text: "In queue"});
    notify(makeCall({state: "offering"}));
    await contains(`${CARD} .o_cc_call_popup_state`, {text: "Incoming call"});
    notify(makeCall({state: "talking"}));
    await contains(`${CARD} .o_cc_call_popup_state`, {text: "On call"});
    expect(CARD).toHaveCount(1);
    expect(CARD).toHaveClass("o_cc_call_talking");

    notify(
        makeCall({
            call_id: 42,
            state: "dialing",
            direction: "outbound",
            partner: {id: 10, name: "Nora Al-Shehri"},
        })
    );
    await contains(CARD, {count: 2});
    // The newest on top.
    expect(queryAllTexts(`${CARD} .o_cc_call_popup_name`)).toEqual([
        "Nora Al-Shehri",
        "Mohammed Al-Ghamdi",
    ]);
    expect(`${CARD}[data-call-id='42'] .o_cc_call_popup_state`).toHaveText("Calling…");
});

test("an update changes what it says and keeps the rest of the card", async () => {
    const notify = await startAgent();
    notify(makeCall());
    await contains(`${CARD} .o_cc_call_popup_state`, {text: "Incoming call"});
    notify({
        call_id: 41,
        update: true,
        state: "talking",
        wait: 12,
        failure_reason: false,
    });
    await contains(`${CARD} .o_cc_call_popup_state`, {text: "On call"});
    expect(`${CARD} .o_cc_call_popup_name`).toHaveText("Mohammed Al-Ghamdi");
    // An update of a call this tab does not show brings no card.
    notify({call_id: 77, update: true, state: "ended", wait: 3, failure_reason: false});
    notify(makeCall({call_id: 78, partner: {id: 11, name: "Salem"}}));
    await contains(CARD, {count: 2});
    expect(`${CARD}[data-call-id='77']`).toHaveCount(0);
});

test("another agent took the call: its card goes", async () => {
    const notify = await startAgent();
    notify(makeCall());
    await contains(CARD, {count: 1});
    notify({call_id: 41, state: "gone"});
    await contains(CARD, {count: 0});
});

test("the time waited goes on while the customer waits, not after", async () => {
    const notify = await startAgent();
    notify(makeCall({state: "queued", wait: 65}));
    await contains(`${CARD} .o_cc_call_popup_wait`, {text: "1:05"});
    await advanceTime(2000);
    expect(`${CARD} .o_cc_call_popup_wait`).toHaveText("1:07");
    notify(makeCall({state: "talking", wait: 68}));
    await contains(`${CARD} .o_cc_call_popup_state`, {text: "On call"});
    expect(`${CARD} .o_cc_call_popup_wait`).toHaveText("1:08");
    await advanceTime(5000);
    expect(`${CARD} .o_cc_call_popup_wait`).toHaveText("1:08");
});

test("the card of an ended call closes by itself after 10 seconds", async () => {
    const notify = await startAgent();
    notify(makeCall({state: "talking"}));
    await contains(`${CARD} .o_cc_call_popup_state`, {text: "On call"});
    // A card stays as long as its call goes on.
    await advanceTime(60000);
    expect(CARD).toHaveCount(1);
    notify(makeCall({state: "ended"}));
    await contains(`${CARD} .o_cc_call_popup_state`, {text: "Call ended"});
    await advanceTime(9000);
    expect(CARD).toHaveCount(1);
    await advanceTime(1000);
    await contains(CARD, {count: 0});
    // Repeated news of the ended call does not bring it back.
    notify(makeCall({state: "ended"}));
    await advanceTime(1000);
    expect(CARD).toHaveCount(0);
});

test("the card of an ended call stays once the agent uses it", async () => {
    const notify = await startAgent();
    notify(makeCall({state: "ended"}));
    await contains(`${CARD} .o_cc_call_popup_state`, {text: "Call ended"});
    await advanceTime(5000);
    await click(`${CARD} .o_cc_call_popup_contacts`);
    await advanceTime(20000);
    expect(CARD).toHaveCount(1);
    await click(`${CARD} .o_cc_call_popup_close`);
    await contains(CARD, {count: 0});
});

test("a failed call shows why and stays until the agent closes it", async () => {
    const notify = await startAgent();
    notify(makeCall({state: "dialing", direction: "outbound"}));
    await contains(`${CARD} .o_cc_call_popup_state`, {text: "Calling…"});
    notify(
        makeCall({
            state: "failed",
            direction: "outbound",
            failure_reason: "The customer did not answer.",
        })
    );
    await contains(`${CARD} .o_cc_call_popup_failure.alert-danger`, {
        text: "The customer did not answer.",
    });
    expect(`${CARD} .o_cc_call_popup_state`).toHaveText("Call failed");
    expect(CARD).toHaveClass("o_cc_call_failed");
    await advanceTime(60000);
    expect(CARD).toHaveCount(1);
    await click(`${CARD} .o_cc_call_popup_close`);
    await contains(CARD, {count: 0});
});

test("a closed card comes back only to say that its call failed", async () => {
    const notify = await startAgent();
    notify(makeCall({state: "dialing", direction: "outbound"}));
    await click(`${CARD} .o_cc_call_popup_close`);
    await contains(CARD, {count: 0});
    notify(makeCall({state: "dialing", direction: "outbound"}));
    await advanceTime(1000);
    expect(CARD).toHaveCount(0);
    notify(
        makeCall({
            state: "failed",
            direction: "outbound",
            failure_reason: "Your phone is not registered.",
        })
    );
    await contains(`${CARD} .o_cc_call_popup_failure`, {
        text: "Your phone is not registered.",
    });
});

test("New request makes one request from the call and opens it", async () => {
    const notify = await startAgent();
    recordActions();
    const answer = new Deferred();
    onRpc("cc.call", "action_new_ticket", async ({args}) => {
        asyncStep(`action_new_ticket ${JSON.stringify(args)}`);
        await answer;
        return {
            type: "ir.actions.act_window",
            res_model: "cc.ticket",
            res_id: 77,
            views: [[false, "form"]],
        };
    });
    notify(makeCall());
    await contains(`${CARD} .o_cc_call_popup_new_ticket`);
    // A double click makes one request.
    await dblclick(`${CARD} .o_cc_call_popup_new_ticket`);
    await waitForSteps(["action_new_ticket [[41]]"]);
    // Disabled until the server answers.
    await contains(`${CARD} .o_cc_call_popup_new_ticket:disabled`);
    answer.resolve();
    await waitForSteps(["doAction cc.ticket 77"]);
    await contains(`${CARD} .o_cc_call_popup_new_ticket:enabled`);
});

test("Open customer, New customer, Attach and Open run the call's actions", async () => {
    const notify = await startAgent();
    recordActions();
    onRpc("cc.call", "action_open_customer", ({args}) => {
        asyncStep(`action_open_customer ${JSON.stringify(args)}`);
        return {type: "ir.actions.act_window", res_model: "res.partner", res_id: 9};
    });
    onRpc("cc.call", "action_attach_ticket", ({args}) => {
        asyncStep(`action_attach_ticket ${JSON.stringify(args)}`);
        return {type: "ir.actions.act_window", res_model: "cc.ticket", res_id: 12};
    });
    onRpc("cc.call", "action_new_customer", ({args}) => {
        asyncStep(`action_new_customer ${JSON.stringify(args)}`);
        return {type: "ir.actions.act_window", res_model: "res.partner"};
    });
    notify(makeCall());
    await click(`${CARD} .o_cc_call_popup_open_customer`);
    await waitForSteps(["action_open_customer [[41]]", "doAction res.partner 9"]);
    await click(`${CARD} .o_cc_call_popup_ticket_attach`);
    await waitForSteps(["action_attach_ticket [[41],12]", "doAction cc.ticket 12"]);
    await click(`${CARD} .o_cc_call_popup_ticket_open`);
    await waitForSteps(["doAction cc.ticket 12"]);

    notify(makeCall({call_id: 43, partner: false, tickets: []}));
    await click(`${CARD}[data-call-id='43'] .o_cc_call_popup_new_customer`);
    await waitForSteps(["action_new_customer [[43]]", "doAction res.partner new"]);
});

test("shows what the server refuses as a notification", async () => {
    const notify = await startAgent();
    recordActions();
    onRpc("cc.call", "action_new_ticket", () => {
        throw makeServerError({description: "You cannot create requests."});
    });
    notify(makeCall());
    await click(`${CARD} .o_cc_call_popup_new_ticket`);
    await contains(".o_notification:has(.bg-danger)", {
        text: "You cannot create requests.",
    });
    await waitForSteps([]);
    expect(`${CARD} .o_cc_call_popup_new_ticket`).toBeEnabled();
});

test("a tab opened during a call shows it from get_my_live_calls", async () => {
    await startAgent([
        makeCall({call_id: 44, state: "talking"}),
        makeCall({
            call_id: 45,
            state: "queued",
            partner: {id: 10, name: "Nora Al-Shehri"},
        }),
    ]);
    await contains(CARD, {count: 2});
    expect(queryAllTexts(`${CARD} .o_cc_call_popup_name`)).toEqual([
        "Mohammed Al-Ghamdi",
        "Nora Al-Shehri",
    ]);
    expect(queryAllTexts(`${CARD} .o_cc_call_popup_state`)).toEqual([
        "On call",
        "In queue",
    ]);
});

test("says so when the calls in progress cannot be loaded", async () => {
    mockAgent(() => {
        throw makeServerError({description: "Agent Amal has no phone yet."});
    });
    await start();
    await waitForSteps(["get_my_live_calls"]);
    await contains(".o_notification:has(.bg-danger)", {
        text: "Agent Amal has no phone yet.",
    });
    expect(CARD).toHaveCount(0);
});

test("every open tab of the agent pops the call", async () => {
    mockAgent();
    const pyEnv = await startServer();
    const tab1 = await start({asTab: true});
    const tab2 = await start({asTab: true});
    await waitForSteps(["get_my_live_calls", "get_my_live_calls"]);
    const [partner] = pyEnv["res.partner"].read(serverState.partnerId);
    pyEnv["bus.bus"]._sendone(partner, "cc_telephony/call", makeCall());
    await contains(`${CARD} .o_cc_call_popup_name`, {
        target: tab1,
        text: "Mohammed Al-Ghamdi",
    });
    await contains(`${CARD} .o_cc_call_popup_name`, {
        target: tab2,
        text: "Mohammed Al-Ghamdi",
    });
});

test("users who do not work as agents get no pop", async () => {
    patchWithCleanup(session, {cc_is_agent: false});
    onRpc("cc.call", "get_my_live_calls", () => {
        asyncStep("get_my_live_calls");
        return [];
    });
    const pyEnv = await startServer();
    await start();
    const [partner] = pyEnv["res.partner"].read(serverState.partnerId);
    pyEnv["bus.bus"]._sendone(partner, "cc_telephony/call", makeCall());
    await advanceTime(1000);
    expect(CARD).toHaveCount(0);
    expect(".o_cc_call_popups").toHaveCount(0);
    await waitForSteps([]);
});
