import {describe, expect, test} from "@odoo/hoot";
import {queryAllTexts} from "@odoo/hoot-dom";
import {advanceTime, mockDate} from "@odoo/hoot-mock";
import {
    click,
    contains,
    defineMailModels,
    insertText,
    start,
    startServer,
} from "@mail/../tests/mail_test_helpers";
import {
    asyncStep,
    getService,
    makeServerError,
    onRpc,
    patchWithCleanup,
    waitForSteps,
} from "@web/../tests/web_test_helpers";
import {browser} from "@web/core/browser/browser";
import {serializeDateTime} from "@web/core/l10n/dates";
import {session} from "@web/session";

describe.current.tags("desktop");
defineMailModels();

const {DateTime} = luxon;
const SARA = {id: 7, name: "Sara Al-Qahtani"};

/**
 * What get_my_status answers: Sara, available for ``seconds``.
 */
function makeStatus(values = {}, seconds = 245) {
    return {
        agent: SARA,
        state: "available",
        break_reason: false,
        since: serializeDateTime(DateTime.now().minus({seconds})),
        reasons: [
            {id: 1, name: "Prayer", max_minutes: 15},
            {id: 2, name: "Meal", max_minutes: 30},
        ],
        quota: {date: "2024-05-01", handled: 12, minimum: 40, off: false},
        earnings: {
            amount: 1250.5,
            currency_id: 1,
            symbol: "SAR",
            position: "before",
            digits: 2,
        },
        device: "active",
        ...values,
    };
}

/**
 * Logs in as an agent (the server's session says so) whose get_my_status
 * answers ``status()``; with ``steps``, each call is a step naming the device
 * key sent.
 */
function mockAgent(status, {steps = false} = {}) {
    patchWithCleanup(session, {cc_is_agent: true});
    onRpc("get_my_status", ({kwargs}) => {
        if (steps) {
            asyncStep(`get_my_status ${kwargs.device_token || "no device"}`);
        }
        return status();
    });
}

test("shows the agent's state, time in it and today's progress", async () => {
    mockDate("2024-05-01 10:00:00");
    mockAgent(() => makeStatus(), {steps: true});
    await start();
    await waitForSteps(["get_my_status no device"]);
    await contains(".o_cc_presence_toggle .o_cc_presence_state", {text: "Available"});
    expect(".o_cc_presence_toggle .o_cc_state_dot").toHaveClass("o_cc_state_available");
    expect(".o_cc_presence_toggle .o_cc_presence_time").toHaveText("4:05");

    await click(".o_cc_presence_toggle");
    // Opening the menu reloads the figures.
    await waitForSteps(["get_my_status no device"]);
    await contains(".o_cc_presence_menu .o_cc_quota_count", {text: "12 / 40"});
    expect(".o_cc_presence_menu .progress-bar").toHaveAttribute("style", "width: 30%");
    expect(".o_cc_presence_amount").toHaveText(/^SAR\s1,250\.50$/);
    expect(queryAllTexts(".o_cc_presence_break")).toEqual(["Prayer", "Meal"]);
    expect(".o_cc_presence_set[data-state='available']").toHaveCount(0);
    expect(".o_cc_presence_set[data-state='offline']").toHaveCount(1);
    expect(".o_cc_presence_device").toHaveCount(0);
});

test("shows a day off, and no quota without a daily minimum", async () => {
    let quota = {date: "2024-05-03", handled: 2, minimum: 40, off: true};
    mockAgent(() => makeStatus({quota}));
    await start();
    await click(".o_cc_presence_toggle");
    await contains(".o_cc_presence_quota .o_cc_quota_off", {text: "Day off"});
    expect(".o_cc_presence_quota .progress").toHaveCount(0);

    quota = {date: "2024-05-04", handled: 2, minimum: 0, off: false};
    await click(".o_cc_presence_toggle");
    await click(".o_cc_presence_toggle");
    await contains(".o_cc_presence_quota", {count: 0});
    expect(".o_cc_presence_earnings").toHaveCount(1);
});

test("choosing a break reason sets the state with that reason", async () => {
    let status = makeStatus();
    mockAgent(() => status);
    onRpc("action_set_my_state", ({args, kwargs}) => {
        asyncStep(`action_set_my_state ${args[0]} ${kwargs.break_reason_id}`);
        status = makeStatus({state: "break", break_reason: "Meal"}, 0);
        return true;
    });
    await start();
    await click(".o_cc_presence_toggle");
    await click(".o_cc_presence_break", {text: "Meal"});
    await waitForSteps(["action_set_my_state break 2"]);
    await contains(".o_cc_presence_toggle .o_cc_presence_state", {text: "Break"});
    expect(".o_cc_presence_toggle .o_cc_presence_reason").toHaveText("Meal");
    expect(".o_cc_presence_toggle .o_cc_state_dot").toHaveClass("o_cc_state_break");
    expect(".o_cc_presence_menu").toHaveCount(0);
    // The break taken is not offered again.
    await click(".o_cc_presence_toggle");
    await contains(".o_cc_presence_break[data-reason-id='2']:disabled");
    expect(".o_cc_presence_break[data-reason-id='1']").toBeEnabled();
});

test("ending a wrap-up makes the agent available", async () => {
    let status = makeStatus({state: "wrap_up"});
    mockAgent(() => status);
    onRpc("action_set_my_state", ({args, kwargs}) => {
        asyncStep(`action_set_my_state ${args[0]} ${kwargs.break_reason_id}`);
        status = makeStatus({state: args[0]}, 0);
        return true;
    });
    await start();
    await contains(".o_cc_presence_toggle .o_cc_presence_state", {text: "Wrap-up"});
    expect(".o_cc_presence_toggle .o_cc_state_dot").toHaveClass("o_cc_state_wrap_up");
    await click(".o_cc_presence_toggle");
    await click(".o_cc_presence_set[data-state='available']", {text: "End wrap-up"});
    await waitForSteps(["action_set_my_state available false"]);
    await contains(".o_cc_presence_toggle .o_cc_presence_state", {text: "Available"});
});

test("the time in state ticks every second", async () => {
    mockDate("2024-05-01 10:00:00");
    mockAgent(() => makeStatus({}, 59));
    await start();
    await contains(".o_cc_presence_toggle .o_cc_presence_time", {text: "0:59"});
    await advanceTime(1000);
    expect(".o_cc_presence_toggle .o_cc_presence_time").toHaveText("1:00");
    await advanceTime(3000);
    expect(".o_cc_presence_toggle .o_cc_presence_time").toHaveText("1:03");
});

test("reloads every minute and on the agent's own presence notification", async () => {
    mockDate("2024-05-01 10:00:00");
    let status = makeStatus();
    mockAgent(() => status, {steps: true});
    const pyEnv = await startServer();
    await start();
    await waitForSteps(["get_my_status no device"]);
    await contains(".o_cc_presence_toggle .o_cc_presence_state", {text: "Available"});

    status = makeStatus({
        quota: {date: "2024-05-01", handled: 13, minimum: 40, off: false},
    });
    await advanceTime(60000);
    await waitForSteps(["get_my_status no device"]);

    // Another agent's change: nothing to do.
    pyEnv["bus.bus"]._sendone("broadcast", "cc_agent/presence", {
        agent_id: 8,
        agent_name: "Fahad Al-Harbi",
        state: "on_call",
        break_reason: false,
        since: serializeDateTime(DateTime.now()),
    });
    // The phone system put Sara on a call.
    status = makeStatus({state: "on_call"}, 0);
    pyEnv["bus.bus"]._sendone("broadcast", "cc_agent/presence", {
        agent_id: SARA.id,
        agent_name: SARA.name,
        state: "on_call",
        break_reason: false,
        since: serializeDateTime(DateTime.now()),
    });
    await contains(".o_cc_presence_toggle .o_cc_presence_state", {text: "On call"});
    await waitForSteps(["get_my_status no device"]);
    expect(".o_cc_presence_toggle .o_cc_state_dot").toHaveClass("o_cc_state_on_call");
});

test("reminds the agent as their shift starts: one tap goes Available", async () => {
    let status = makeStatus({state: "offline", since: false});
    mockAgent(() => status);
    onRpc("action_set_my_state", ({args}) => {
        asyncStep(`action_set_my_state ${args[0]}`);
        status = makeStatus({state: args[0]}, 0);
        return true;
    });
    const pyEnv = await startServer();
    await start();
    await contains(".o_cc_presence_toggle .o_cc_presence_state", {text: "Offline"});
    // Another agent's slot: nothing to show.
    pyEnv["bus.bus"]._sendone("broadcast", "cc_agent/slot", {
        kind: "start",
        agent_id: 8,
    });
    pyEnv["bus.bus"]._sendone("broadcast", "cc_agent/slot", {
        kind: "start",
        agent_id: SARA.id,
        start: "2024-05-01 14:00:00",
        end: "2024-05-01 16:45:00",
    });
    await contains(".o_notification_content", {text: "Your shift starts now."});
    await click(".o_notification_buttons button", {text: "Go Available"});
    await waitForSteps(["action_set_my_state available"]);
    await contains(".o_cc_presence_toggle .o_cc_presence_state", {text: "Available"});
    await contains(".o_notification_content", {count: 0});
    // At its end, during a call.
    pyEnv["bus.bus"]._sendone("broadcast", "cc_agent/slot", {
        kind: "end",
        agent_id: SARA.id,
        after_call: true,
    });
    await contains(".o_notification_content", {
        text: "Your shift has ended: you go Offline after this call.",
    });
});

test("registers this device with a new random key kept in the browser", async () => {
    let device = "unknown";
    let registeredToken = null;
    mockAgent(() => makeStatus({device}), {steps: true});
    onRpc("action_register_my_device", ({args}) => {
        const [token, name, kind] = args;
        expect(token).toMatch(/^[0-9a-f]{64}$/);
        asyncStep(`register ${name} ${kind}`);
        registeredToken = token;
        device = "active";
        return 3;
    });
    await start();
    await waitForSteps(["get_my_status no device"]);
    await click(".o_cc_presence_toggle");
    await waitForSteps(["get_my_status no device"]);
    await contains(".o_cc_presence_device");
    await insertText(".o_cc_presence_device_name", "Sara's laptop");
    await click(".o_cc_presence_device_register");
    await waitForSteps([
        "register Sara's laptop laptop",
        `get_my_status ${registeredToken}`,
    ]);
    expect(browser.localStorage.getItem("cc_agent.device_token.7")).toBe(
        registeredToken
    );
    await contains(".o_notification", {
        text: "This device is now registered as yours.",
    });
    await contains(".o_cc_presence_device", {count: 0});
});

test("says so when this device has been revoked", async () => {
    browser.localStorage.setItem("cc_agent.device_token.7", "a".repeat(64));
    mockAgent(() => makeStatus({device: "revoked"}), {steps: true});
    await start();
    await waitForSteps([`get_my_status ${"a".repeat(64)}`]);
    await click(".o_cc_presence_toggle");
    await waitForSteps([`get_my_status ${"a".repeat(64)}`]);
    await contains(".o_cc_presence_revoked", {text: "This device has been revoked."});
    expect(".o_cc_presence_device").toHaveCount(0);
});

test("shows what the server refuses as a notification", async () => {
    mockAgent(() => makeStatus());
    onRpc("action_set_my_state", () => {
        throw makeServerError({description: "Choose why you take a break."});
    });
    await start();
    await click(".o_cc_presence_toggle");
    await click(".o_cc_presence_break", {text: "Meal"});
    await contains(".o_notification:has(.bg-danger)", {
        text: "Choose why you take a break.",
    });
    expect(".o_cc_presence_toggle .o_cc_presence_state").toHaveText("Available");
});

test("opens the agent's contract terms and handled contacts", async () => {
    mockAgent(() => makeStatus());
    await start();
    patchWithCleanup(getService("action"), {
        doAction(action) {
            asyncStep(action);
        },
    });
    await click(".o_cc_presence_toggle");
    await click(".o_cc_presence_terms");
    await waitForSteps(["cc_agent.hr_contract_action_cc_my_terms"]);
    await contains(".o_cc_presence_menu", {count: 0});
    await click(".o_cc_presence_toggle");
    await click(".o_cc_presence_contacts");
    await waitForSteps(["cc_agent.cc_interaction_action"]);
});

test("goes away, once said, when the server finds no agent", async () => {
    patchWithCleanup(session, {cc_is_agent: true});
    onRpc("get_my_status", () => {
        asyncStep("get_my_status");
        throw makeServerError({
            type: "AccessError",
            description: "Mitchell Admin is not a call center agent.",
        });
    });
    await start();
    await waitForSteps(["get_my_status"]);
    await contains(".o_notification:has(.bg-danger)", {
        text: "Mitchell Admin is not a call center agent.",
    });
    expect(".o_cc_presence_systray").toHaveCount(0);
    await advanceTime(60000);
    await waitForSteps([]);
});

test("is not shown to users who do not work as agents", async () => {
    patchWithCleanup(session, {cc_is_agent: false});
    onRpc("get_my_status", () => {
        throw new Error("get_my_status must not be called");
    });
    await start();
    expect(".o_cc_presence_systray").toHaveCount(0);
});
