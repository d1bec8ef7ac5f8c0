import {describe, expect, test} from "@odoo/hoot";
import {queryAllTexts} from "@odoo/hoot-dom";
import {advanceTime, mockDate} from "@odoo/hoot-mock";
import {
    contains,
    defineMailModels,
    patchUiSize,
    start,
    startServer,
} from "@mail/../tests/mail_test_helpers";
import {asyncStep, onRpc, waitForSteps} from "@web/../tests/web_test_helpers";
import {serializeDateTime} from "@web/core/l10n/dates";

describe.current.tags("desktop");
defineMailModels();

const {DateTime} = luxon;

const STATES = [
    ["offline", "Offline"],
    ["available", "Available"],
    ["on_call", "On call"],
    ["wrap_up", "Wrap-up"],
    ["break", "Break"],
];

function secondsAgo(seconds) {
    return serializeDateTime(DateTime.now().minus({seconds}));
}

function makeAgent(values) {
    return {
        state: "offline",
        break_reason: false,
        break_minutes: 0,
        since: false,
        handled: 0,
        minimum: 40,
        off: false,
        ...values,
    };
}

/** What get_board answers: Fahad on a call, Sara on a prayer break. */
function makeBoard({saraHandled = 12} = {}) {
    return {
        agents: [
            makeAgent({
                agent_id: 8,
                name: "Fahad Al-Harbi",
                code: "AG0002",
                state: "on_call",
                since: secondsAgo(125),
                handled: 40,
            }),
            makeAgent({
                agent_id: 7,
                name: "Sara Al-Qahtani",
                code: "AG0001",
                state: "break",
                break_reason: "Prayer",
                break_minutes: 15,
                since: secondsAgo(14 * 60 + 58),
                handled: saraHandled,
            }),
        ],
        states: STATES,
    };
}

async function openBoard() {
    const env = await start();
    await env.services.action.doAction({
        type: "ir.actions.client",
        tag: "cc_agent.supervisor_board",
    });
    await contains(".o_cc_board_row", {count: 2});
}

function rowSelector(agentId) {
    return `.o_cc_board_row[data-agent-id='${agentId}']`;
}

function totals() {
    return queryAllTexts(".o_cc_board_total").map((text) => text.replace(/\s+/g, " "));
}

test("shows the totals per state and a row per agent", async () => {
    mockDate("2024-05-01 10:00:00");
    onRpc("get_board", () => makeBoard());
    await openBoard();
    expect(totals()).toEqual([
        "0 Offline",
        "0 Available",
        "1 On call",
        "0 Wrap-up",
        "1 Break",
    ]);
    expect(queryAllTexts(".o_cc_board_name")).toEqual([
        "Fahad Al-Harbi",
        "Sara Al-Qahtani",
    ]);
    expect(`${rowSelector(8)} .o_cc_board_code`).toHaveText("AG0002");
    expect(`${rowSelector(8)} .o_cc_state_badge`).toHaveText("On call");
    expect(`${rowSelector(8)} .o_cc_state_badge`).toHaveClass("o_cc_state_on_call");
    expect(`${rowSelector(8)} .o_cc_board_time`).toHaveText("2:05");
    expect(`${rowSelector(8)} .o_cc_quota_count`).toHaveText("40 / 40");
    expect(`${rowSelector(8)} .progress-bar`).toHaveClass("bg-success");
    expect(`${rowSelector(7)} .o_cc_board_reason`).toHaveText("Prayer");
    expect(`${rowSelector(7)} .o_cc_quota_count`).toHaveText("12 / 40");
});

test("shows a day off, and the count alone without a minimum", async () => {
    onRpc("get_board", () => ({
        agents: [
            makeAgent({
                agent_id: 7,
                name: "Sara Al-Qahtani",
                code: "AG0001",
                off: true,
            }),
            makeAgent({
                agent_id: 8,
                name: "Fahad Al-Harbi",
                code: "AG0002",
                minimum: 0,
                handled: 3,
            }),
        ],
        states: STATES,
    }));
    await openBoard();
    expect(`${rowSelector(7)} .o_cc_quota_off`).toHaveText("Day off");
    expect(`${rowSelector(8)} .progress`).toHaveCount(0);
    expect(`${rowSelector(8)} .o_cc_board_handled`).toHaveText("3");
    expect(`${rowSelector(7)} .o_cc_board_time`).toHaveText("");
});

test("a presence notification updates the agent's row and the totals", async () => {
    mockDate("2024-05-01 10:00:00");
    onRpc("get_board", () => {
        asyncStep("get_board");
        return makeBoard();
    });
    const pyEnv = await startServer();
    await openBoard();
    await waitForSteps(["get_board"]);

    pyEnv["bus.bus"]._sendone("broadcast", "cc_agent/presence", {
        agent_id: 7,
        agent_name: "Sara Al-Qahtani",
        state: "available",
        break_reason: false,
        since: secondsAgo(3),
    });
    await contains(`${rowSelector(7)} .o_cc_state_badge`, {text: "Available"});
    expect(`${rowSelector(7)} .o_cc_state_badge`).toHaveClass("o_cc_state_available");
    expect(`${rowSelector(7)} .o_cc_board_time`).toHaveText("0:03");
    expect(`${rowSelector(7)} .o_cc_board_reason`).toHaveCount(0);
    expect(totals()).toEqual([
        "0 Offline",
        "1 Available",
        "1 On call",
        "0 Wrap-up",
        "0 Break",
    ]);
    // Updated from the notification alone.
    await waitForSteps([]);
});

test("the time in state ticks, and a break running over is shown in red", async () => {
    mockDate("2024-05-01 10:00:00");
    onRpc("get_board", () => makeBoard());
    await openBoard();
    expect(`${rowSelector(7)} .o_cc_board_time`).toHaveText("14:58");
    expect(`${rowSelector(7)} .o_cc_board_reason`).not.toHaveClass(
        "o_cc_board_overrun"
    );

    await advanceTime(1000);
    expect(`${rowSelector(7)} .o_cc_board_time`).toHaveText("14:59");
    expect(`${rowSelector(8)} .o_cc_board_time`).toHaveText("2:06");
    await advanceTime(1000);
    expect(`${rowSelector(7)} .o_cc_board_time`).toHaveText("15:00");
    expect(`${rowSelector(7)} .o_cc_board_reason`).not.toHaveClass(
        "o_cc_board_overrun"
    );
    await advanceTime(1000);
    expect(`${rowSelector(7)} .o_cc_board_time`).toHaveText("15:01");
    expect(`${rowSelector(7)} .o_cc_board_reason`).toHaveClass("o_cc_board_overrun");
    expect(`${rowSelector(7)} .o_cc_board_reason`).toHaveClass("text-danger");
});

test("a break announced by a notification shows its overrun at once", async () => {
    mockDate("2024-05-01 10:00:00");
    onRpc("get_board", () => {
        asyncStep("get_board");
        return makeBoard();
    });
    const pyEnv = await startServer();
    await openBoard();
    await waitForSteps(["get_board"]);
    pyEnv["bus.bus"]._sendone("broadcast", "cc_agent/presence", {
        agent_id: 8,
        agent_name: "Fahad Al-Harbi",
        state: "break",
        break_reason: "Meal",
        break_minutes: 30,
        since: secondsAgo(31 * 60),
    });
    await contains(`${rowSelector(8)} .o_cc_state_badge`, {text: "Break"});
    expect(`${rowSelector(8)} .o_cc_board_time`).toHaveText("31:00");
    // Over its 30 minutes at once: the notification carries the break's length.
    expect(`${rowSelector(8)} .o_cc_board_reason`).toHaveClass("o_cc_board_overrun");
    expect(`${rowSelector(8)} .o_cc_board_reason`).toHaveText(/^Meal/);
    await waitForSteps([]);
});

test("reloads the counts every minute", async () => {
    let saraHandled = 12;
    onRpc("get_board", () => {
        asyncStep("get_board");
        return makeBoard({saraHandled});
    });
    await openBoard();
    await waitForSteps(["get_board"]);
    saraHandled = 13;
    await advanceTime(60000);
    await waitForSteps(["get_board"]);
    await contains(`${rowSelector(7)} .o_cc_quota_count`, {text: "13 / 40"});
});

test("shows the agents as cards on a phone", async () => {
    onRpc("get_board", () => makeBoard());
    // A phone's width (SIZES.XS is 0, which patchUiSize does not take).
    await patchUiSize({width: 375});
    await openBoard();
    expect(".o_cc_board_table").toHaveCount(0);
    expect(".o_cc_board_cards .o_cc_board_row.card").toHaveCount(2);
    expect(`${rowSelector(7)} .o_cc_board_reason`).toHaveText("Prayer");
});
