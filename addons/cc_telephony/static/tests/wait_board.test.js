import {describe, expect, test} from "@odoo/hoot";
import {queryAllTexts} from "@odoo/hoot-dom";
import {advanceTime, mockDate} from "@odoo/hoot-mock";
import {
    click,
    contains,
    defineMailModels,
    patchUiSize,
    start,
    startServer,
} from "@mail/../tests/mail_test_helpers";
import {asyncStep, onRpc, waitForSteps} from "@web/../tests/web_test_helpers";

describe.current.tags("desktop");
defineMailModels();

const STATES = [
    ["available", "Available"],
    ["on_call", "On call"],
    ["wrap_up", "Wrap-up"],
    ["break", "Break"],
    ["offline", "Offline"],
];

function makeQueue(values = {}) {
    return {
        id: 1,
        name: "Support",
        waiting: 2,
        oldest_since: "2024-05-01 09:58:30",
        service_level: 85.4,
        offered: 40,
        answered: 37,
        abandoned: 3,
        sl_target: 80,
        sl_seconds: 20,
        summon_waiting: 5,
        summon_wait: 120,
        agents: {available: 3, on_call: 4, wrap_up: 1, break: 1, offline: 6},
        callbacks: 2,
        episode: false,
        ...values,
    };
}

function makeBoard(queues) {
    return {queues, states: STATES, now: "2024-05-01 10:00:00"};
}

async function openBoard(count = 1) {
    const env = await start();
    await env.services.action.doAction({
        type: "ir.actions.client",
        tag: "cc_telephony.wait_board",
    });
    await contains(".o_cc_wait_board_queue", {count});
}

function card(queueId) {
    return `.o_cc_wait_board_queue[data-queue-id='${queueId}']`;
}

test("shows each queue's figures, with the longest wait ticking", async () => {
    mockDate("2024-05-01 10:00:00");
    onRpc("get_wait_board", () =>
        makeBoard([
            makeQueue(),
            makeQueue({
                id: 2,
                name: "Sales",
                waiting: 0,
                oldest_since: false,
                service_level: null,
                callbacks: 0,
            }),
        ])
    );
    await openBoard(2);
    expect(queryAllTexts(".o_cc_wait_board_name")).toEqual(["Support", "Sales"]);
    expect(`${card(1)} .o_cc_wait_board_waiting`).toHaveText("2");
    expect(`${card(1)} .o_cc_wait_board_waiting`).toHaveClass("text-warning");
    expect(`${card(1)} .o_cc_wait_board_longest`).toHaveText("1:30");
    expect(`${card(1)} .o_cc_wait_board_sl`).toHaveText("85 %");
    expect(`${card(1)} .o_cc_wait_board_sl`).toHaveClass("text-success");
    expect(`${card(1)} .o_cc_wait_board_target`).toHaveText("target 80 % in 20 s");
    expect(`${card(1)} .o_cc_wait_board_callbacks`).toHaveText("2");
    expect(queryAllTexts(`${card(1)} .o_cc_wait_board_state_count`)).toEqual([
        "3",
        "4",
        "1",
        "1",
        "6",
    ]);
    expect(queryAllTexts(`${card(1)} .o_cc_wait_board_state_label`)).toEqual([
        "Available",
        "On call",
        "Wrap-up",
        "Break",
        "Offline",
    ]);
    expect(card(1)).not.toHaveClass("o_cc_wait_board_alert");
    expect(`${card(2)} .o_cc_wait_board_longest`).toHaveText("—");
    expect(`${card(2)} .o_cc_wait_board_sl`).toHaveText("—");
    expect(`${card(2)} .o_cc_wait_board_waiting`).toHaveClass("text-success");

    await advanceTime(1000);
    expect(`${card(1)} .o_cc_wait_board_longest`).toHaveText("1:31");
    expect(`${card(1)} .o_cc_wait_board_longest`).not.toHaveClass("text-danger");
    // At the queue's 120 s, the wait is red.
    await advanceTime(29000);
    expect(`${card(1)} .o_cc_wait_board_longest`).toHaveText("2:00");
    expect(`${card(1)} .o_cc_wait_board_longest`).toHaveClass("text-danger");
});

test("red at the summons threshold or under the service level target, with the episode", async () => {
    mockDate("2024-05-01 10:00:00");
    onRpc("get_wait_board", () =>
        makeBoard([
            makeQueue({
                waiting: 5,
                episode: {
                    id: 4,
                    since: "2024-05-01 09:59:00",
                    wanted: 2,
                    summoned: 4,
                    accepted: 1,
                },
            }),
            makeQueue({id: 2, name: "Sales", waiting: 1, service_level: 62.5}),
        ])
    );
    await openBoard(2);
    expect(card(1)).toHaveClass("o_cc_wait_board_alert");
    expect(`${card(1)} .o_cc_wait_board_waiting`).toHaveClass("text-danger");
    expect(`${card(1)} .o_cc_wait_board_episode`).toHaveText(
        "1 of 2 answered (4 summoned)"
    );
    expect(card(2)).toHaveClass("o_cc_wait_board_alert");
    expect(`${card(2)} .o_cc_wait_board_sl`).toHaveClass("text-danger");
    expect(`${card(2)} .o_cc_wait_board_episode`).toHaveCount(0);
});

test("a bus ping reloads the board once, a second later", async () => {
    mockDate("2024-05-01 10:00:00");
    let waiting = 2;
    onRpc("get_wait_board", () => {
        asyncStep("get_wait_board");
        return makeBoard([makeQueue({waiting})]);
    });
    const pyEnv = await startServer();
    await openBoard();
    await waitForSteps(["get_wait_board"]);
    waiting = 6;
    pyEnv["bus.bus"]._sendone("broadcast", "cc_telephony/board", {company_id: 1});
    pyEnv["bus.bus"]._sendone("broadcast", "cc_telephony/board", {company_id: 1});
    await advanceTime(500);
    await waitForSteps([]);
    await advanceTime(1000);
    await waitForSteps(["get_wait_board"]);
    await contains(`${card(1)} .o_cc_wait_board_waiting`, {text: "6"});
    expect(`${card(1)} .o_cc_wait_board_waiting`).toHaveClass("text-danger");
});

test("an agent's change of state reloads the board", async () => {
    onRpc("get_wait_board", () => {
        asyncStep("get_wait_board");
        return makeBoard([makeQueue()]);
    });
    const pyEnv = await startServer();
    await openBoard();
    await waitForSteps(["get_wait_board"]);
    pyEnv["bus.bus"]._sendone("broadcast", "cc_agent/presence", {
        agent_id: 7,
        state: "available",
    });
    await advanceTime(1000);
    await waitForSteps(["get_wait_board"]);
});

test("full screen toggles, and the cards stack on a phone", async () => {
    onRpc("get_wait_board", () => makeBoard([makeQueue(), makeQueue({id: 2})]));
    await patchUiSize({width: 375});
    await openBoard(2);
    expect(".o_cc_wait_board").not.toHaveClass("o_cc_wait_board_fullscreen");
    await click(".o_cc_wait_board_fullscreen_toggle");
    await contains(".o_cc_wait_board.o_cc_wait_board_fullscreen");
    expect(".o_cc_wait_board_fullscreen_toggle").toHaveText("Exit full screen");
    await click(".o_cc_wait_board_fullscreen_toggle");
    await contains(".o_cc_wait_board:not(.o_cc_wait_board_fullscreen)");
    expect(".o_cc_wait_board_queue").toHaveCount(2);
});
