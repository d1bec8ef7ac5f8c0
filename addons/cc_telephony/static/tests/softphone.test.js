import {describe, expect, test} from "@odoo/hoot";
import {advanceTime, animationFrame} from "@odoo/hoot-mock";
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
import {browser} from "@web/core/browser/browser";
import {session} from "@web/session";
import {storeDeviceToken} from "@cc_agent/core/device_token.esm";
import {microphone} from "@cc_telephony/softphone/microphone.esm";
import {isSameNumber} from "@cc_telephony/softphone/phone_number.esm";
import {ringtone} from "@cc_telephony/softphone/ringtone.esm";
import {sipLibrary} from "@cc_telephony/softphone/sip_library.esm";
import {REGISTRATION_TIMEOUT} from "@cc_telephony/softphone/softphone_service.esm";
import {FakeSip, makeFakeMicrophone} from "@cc_telephony/../tests/helpers/fake_sip";

describe.current.tags("desktop");
defineMailModels();

const AGENT = {id: 7, name: "Agent Amal"};
const DOCK = ".o_cc_softphone";
const CARD = ".o_cc_call_popup";
const PASSWORD = "s3cret-sip-password";
const CONFIG = {
    enabled: true,
    ws_url: "wss://pbx.example.com:7443",
    domain: "pbx.example.com",
    username: "1001",
    password: PASSWORD,
    display_name: "Agent Amal",
    extension: "1001",
    ice_servers: [{urls: "stun:stun.example.com:3478"}],
    transfer_targets: [
        {label: "Agent Badr", target: "1002"},
        {label: "Billing queue", target: "billing"},
    ],
};
const MICROPHONE_BLOCKED =
    "Your browser does not let Odoo use the microphone, so calls cannot reach you here. To allow it, open this site's settings (the icon at the left of the address bar, or the browser's menu on a phone), set Microphone to Allow, reload the page and go Available again.";
const SET_OFFLINE = "You have been set Offline, so that no call waits for you.";
const REGISTERED = [
    "config device-key",
    "load JsSIP",
    "register sip:1001@pbx.example.com with password wss://pbx.example.com:7443",
    "route_here device-key",
];

/** A call as the server announces it to the pop. */
function makeCall(values = {}) {
    return {
        call_id: 41,
        state: "offering",
        direction: "inbound",
        number: "+966 55 111 2233",
        number_e164: "+966551112233",
        partner: {id: 9, name: "Mohammed Al-Ghamdi"},
        queue: "Billing",
        service_type: false,
        wait: 5,
        failure_reason: false,
        tickets: [],
        last_contacts: [],
        ...values,
    };
}

/**
 * Starts the web client of Amal, an agent whose presence is ``presence``,
 * with the SIP library, the microphone and the ringtone faked: what the
 * softphone asks of them, and of the server, are steps.
 *
 * @returns the fake library and functions to play the server's side
 */
async function startAgent({
    presence = "offline",
    config = CONFIG,
    microphoneOptions = {},
    sipOptions = {},
    liveCalls = [],
    routeHere = {ok: true},
} = {}) {
    patchWithCleanup(session, {cc_is_agent: true});
    storeDeviceToken(serverState.userId, "device-key");
    const sip = new FakeSip({onStep: asyncStep, ...sipOptions});
    patchWithCleanup(sipLibrary, {
        async load() {
            asyncStep("load JsSIP");
            return sip;
        },
    });
    patchWithCleanup(
        microphone,
        makeFakeMicrophone({onStep: asyncStep, ...microphoneOptions})
    );
    let ringing = false;
    patchWithCleanup(ringtone, {
        start() {
            ringing = true;
            asyncStep("ringtone");
        },
        stop() {
            if (ringing) {
                ringing = false;
                asyncStep("ringtone stops");
            }
        },
    });
    let state = presence;
    onRpc("get_my_status", () => ({
        agent: AGENT,
        state,
        break_reason: false,
        since: false,
        reasons: [],
        quota: {date: "2026-03-01", handled: 0, minimum: 0, off: false},
        earnings: {amount: 0, symbol: "SAR", position: "before", digits: 2},
        device: "active",
    }));
    onRpc("cc.call", "get_my_live_calls", () => liveCalls);
    onRpc("/cc_telephony/softphone/config", async (request) => {
        const {params} = await request.json();
        asyncStep(`config ${params.device_token}`);
        return config;
    });
    onRpc("/cc_telephony/softphone/route_here", async (request) => {
        const {params} = await request.json();
        asyncStep(`route_here ${params.device_token}`);
        return routeHere;
    });
    const pyEnv = await startServer();
    const [partner] = pyEnv["res.partner"].read(serverState.partnerId);
    const setPresence = (newState, agent = AGENT) => {
        if (agent === AGENT) {
            state = newState;
        }
        pyEnv["bus.bus"]._sendone(partner, "cc_agent/presence", {
            agent_id: agent.id,
            agent_name: agent.name,
            state: newState,
            break_reason: false,
            break_minutes: 0,
            since: "2026-03-01 08:00:00",
        });
    };
    onRpc("action_set_my_state", ({args}) => {
        asyncStep(`action_set_my_state ${args[0]}`);
        setPresence(args[0]);
        return true;
    });
    await start();
    const notify = (type, payload) => pyEnv["bus.bus"]._sendone(partner, type, payload);
    const pop = (call) => notify("cc_telephony/call", call);
    return {sip, setPresence, pop, notify};
}

/** Amal is Available and her softphone registered. */
async function startRegistered(options = {}) {
    const agent = await startAgent({presence: "available", ...options});
    await waitForSteps(REGISTERED);
    await contains(`${DOCK}[data-status='registered']`);
    return agent;
}

test("numbers are the same line whatever their format", () => {
    expect(isSameNumber("+966 55 111 2233", "0551112233")).toBe(true);
    expect(isSameNumber("00966551112233", "551112233")).toBe(true);
    expect(isSameNumber("+966551112233", "+966551112234")).toBe(false);
    expect(isSameNumber("1001", "1001")).toBe(true);
    expect(isSameNumber("", "")).toBe(false);
    expect(isSameNumber("anonymous", "0551112233")).toBe(false);
});

test("registers when the agent goes Available, unregisters when Offline", async () => {
    const {sip, setPresence} = await startAgent();
    await animationFrame();
    expect(DOCK).toHaveCount(0);
    await waitForSteps([]);

    // Another agent's change (a supervisor's tabs hear them all) is not hers.
    setPresence("available", {id: 8, name: "Agent Badr"});
    await advanceTime(1000);
    await waitForSteps([]);

    setPresence("available");
    await waitForSteps(REGISTERED);
    await contains(`${DOCK}[data-status='registered']`);
    expect(sip.ua.configuration.display_name).toBe("Agent Amal");
    // The password stays in memory.
    for (let i = 0; i < browser.localStorage.length; i++) {
        const key = browser.localStorage.key(i);
        expect(browser.localStorage.getItem(key)).not.toInclude(PASSWORD);
    }
    await click(`${DOCK} .o_cc_softphone_toggle`);
    await contains(`${DOCK} .o_cc_softphone_status`, {text: "Ready for calls"});
    expect(`${DOCK} .o_cc_softphone_extension`).toHaveText("1001");

    // A break keeps the phone registered.
    setPresence("break");
    await advanceTime(1000);
    await waitForSteps([]);

    setPresence("offline");
    await waitForSteps(["unregister"]);
    await contains(DOCK, {count: 0});

    // Available again: registered again, with the settings asked again.
    setPresence("available");
    await waitForSteps(REGISTERED);
});

test("an agent Available when the tab opens registers at once", async () => {
    await startRegistered();
    expect(`${DOCK} .o_cc_softphone_toggle`).toHaveAttribute(
        "aria-label",
        "Ready for calls"
    );
});

test("queue calls that will not ring here: the agent is told why", async () => {
    await startRegistered({
        routeHere: {ok: false, reason: "Your calls reach you on: Mobile number."},
    });
    const message =
        "Calls of your queues will not ring in this browser: Your calls reach you on: Mobile number.";
    await contains(".o_notification", {text: message});
    await click(`${DOCK} .o_cc_softphone_toggle`);
    await contains(`${DOCK} .o_cc_softphone_route_error`, {text: message});
    expect(`${DOCK} .o_cc_softphone_ready`).toHaveCount(0);
});

test("no softphone on this device: the server's reason, nothing registered", async () => {
    const {setPresence} = await startAgent({
        presence: "available",
        config: {enabled: false, reason: "Register this device to take calls on it."},
    });
    await waitForSteps(["config device-key"]);
    await contains(`${DOCK}[data-status='disabled']`);
    await click(`${DOCK} .o_cc_softphone_toggle`);
    await contains(`${DOCK} .o_cc_softphone_reason`, {
        text: "Register this device to take calls on it.",
    });
    setPresence("offline");
    await contains(DOCK, {count: 0});
    await waitForSteps([]);
});

test("an incoming call rings, is answered, muted, held, dialled and transferred", async () => {
    const {sip} = await startRegistered();
    const call = sip.ua.receiveCall({number: "0551112233", name: "Mohammed"});
    await waitForSteps(["ringtone"]);
    await contains(`${DOCK}[data-status='ringing'] .o_cc_softphone_caller_name`, {
        text: "Mohammed",
    });
    expect(`${DOCK} .o_cc_softphone_caller_number`).toHaveText("0551112233");
    expect(`${DOCK} .o_cc_softphone_status`).toHaveText("Incoming call");

    await click(`${DOCK} .o_cc_softphone_answer`);
    await waitForSteps(["ringtone stops", "open microphone", "answer"]);
    await contains(`${DOCK}[data-status='in_call']`);
    expect(call.answerOptions.pcConfig).toEqual({
        iceServers: [{urls: "stun:stun.example.com:3478"}],
    });
    expect(`${DOCK} .o_cc_softphone_status`).toHaveText("On call");
    expect(`${DOCK} .o_cc_softphone_duration`).toHaveText("0:00");
    await advanceTime(65000);
    await animationFrame();
    expect(`${DOCK} .o_cc_softphone_duration`).toHaveText("1:05");

    await click(`${DOCK} .o_cc_softphone_mute`);
    await waitForSteps(['mute {"audio":true}']);
    await contains(`${DOCK} .o_cc_softphone_mute.active[aria-pressed='true']`);
    await click(`${DOCK} .o_cc_softphone_mute`);
    await waitForSteps(['unmute {"audio":true}']);
    await contains(`${DOCK} .o_cc_softphone_mute[aria-pressed='false']`);

    await click(`${DOCK} .o_cc_softphone_hold`);
    await waitForSteps(["hold"]);
    await contains(`${DOCK} .o_cc_softphone_status`, {text: "On hold"});
    await click(`${DOCK} .o_cc_softphone_hold`);
    await waitForSteps(["unhold"]);
    await contains(`${DOCK} .o_cc_softphone_status`, {text: "On call"});

    await click(`${DOCK} .o_cc_softphone_keypad_toggle`);
    await click(`${DOCK} .o_cc_softphone_key[data-tone='5']`);
    await click(`${DOCK} .o_cc_softphone_key[data-tone='#']`);
    // No audio sender to carry them in the media here: sent as SIP INFO.
    await waitForSteps(["dtmf 5 INFO", "dtmf # INFO"]);
    await contains(`${DOCK} .o_cc_softphone_tones`, {text: "5#"});

    await click(`${DOCK} .o_cc_softphone_transfer_toggle`);
    await contains(`${DOCK} .o_cc_softphone_transfer_target`, {count: 2});
    await click(`${DOCK} .o_cc_softphone_transfer_target`, {text: "Billing queue"});
    // FreeSWITCH took the caller to the queue: this leg ends.
    await waitForSteps(["refer billing", "hang up", "close microphone"]);
    await contains(`${DOCK}[data-status='registered']`);
    expect(`${DOCK} .o_cc_softphone_caller`).toHaveCount(0);
});

test("a refused transfer leaves the call with the agent", async () => {
    const {sip} = await startRegistered({sipOptions: {autoTransfer: false}});
    const call = sip.ua.receiveCall({number: "0551112233"});
    await click(`${DOCK} .o_cc_softphone_answer`);
    await contains(`${DOCK}[data-status='in_call']`);
    await click(`${DOCK} .o_cc_softphone_transfer_toggle`);
    await click(`${DOCK} .o_cc_softphone_transfer_target`, {text: "Agent Badr"});
    await waitForSteps([
        "ringtone",
        "ringtone stops",
        "open microphone",
        "answer",
        "refer 1002",
    ]);
    await contains(`${DOCK} .o_cc_softphone_transferring`);
    call.referSubscriber.emit("failed", {});
    await contains(".o_notification", {
        text: "The call could not be transferred to Agent Badr: it is still yours.",
    });
    await contains(`${DOCK} .o_cc_softphone_transferring`, {count: 0});
    expect(`${DOCK}[data-status='in_call']`).toHaveCount(1);
    await click(`${DOCK} .o_cc_softphone_hangup`);
    await waitForSteps(["hang up", "close microphone"]);
    await contains(`${DOCK}[data-status='registered']`);
});

test("declining a ringing call answers it busy", async () => {
    const {sip} = await startRegistered();
    sip.ua.receiveCall({number: "0551112233"});
    await contains(`${DOCK} .o_cc_softphone_answer`);
    // Unknown name: the number is the caller.
    expect(`${DOCK} .o_cc_softphone_caller_name`).toHaveText("0551112233");
    await click(`${DOCK} .o_cc_softphone_hangup`, {text: "Decline"});
    await waitForSteps(["ringtone", "decline 486", "ringtone stops"]);
    await contains(`${DOCK}[data-status='registered']`);
});

test("the caller hangs up: ringing stops, then a call ends", async () => {
    const {sip} = await startRegistered();
    let call = sip.ua.receiveCall({number: "0551112233"});
    await contains(`${DOCK}[data-status='ringing']`);
    call.hangUpRemotely();
    await waitForSteps(["ringtone", "ringtone stops"]);
    await contains(`${DOCK}[data-status='registered']`);

    call = sip.ua.receiveCall({number: "0551112233"});
    await click(`${DOCK} .o_cc_softphone_answer`);
    await contains(`${DOCK}[data-status='in_call']`);
    call.hangUpRemotely();
    await waitForSteps([
        "ringtone",
        "ringtone stops",
        "open microphone",
        "answer",
        "close microphone",
    ]);
    await contains(`${DOCK}[data-status='registered']`);
});

test("a second call during a call is answered busy", async () => {
    const {sip} = await startRegistered();
    sip.ua.receiveCall({number: "0551112233", name: "Mohammed"});
    await click(`${DOCK} .o_cc_softphone_answer`);
    await contains(`${DOCK}[data-status='in_call']`);
    await waitForSteps(["ringtone", "ringtone stops", "open microphone", "answer"]);
    const second = sip.ua.receiveCall({number: "0509998877"});
    await waitForSteps(["decline 486"]);
    expect(second.status).toBe("failed");
    expect(`${DOCK} .o_cc_softphone_caller_name`).toHaveText("Mohammed");
});

test("Offline during a call: unregistered once the call ends", async () => {
    const {sip, setPresence} = await startRegistered();
    const call = sip.ua.receiveCall({number: "0551112233"});
    await click(`${DOCK} .o_cc_softphone_answer`);
    await contains(`${DOCK}[data-status='in_call']`);
    setPresence("offline");
    await advanceTime(1000);
    expect(`${DOCK}[data-status='in_call']`).toHaveCount(1);
    call.hangUpRemotely();
    await waitForSteps([
        "ringtone",
        "ringtone stops",
        "open microphone",
        "answer",
        "close microphone",
        "unregister",
    ]);
    await contains(DOCK, {count: 0});
});

test("registration refused: the agent is told why and set Offline", async () => {
    const {sip, setPresence} = await startAgent({
        presence: "available",
        sipOptions: {autoRegister: false},
    });
    await waitForSteps(REGISTERED.slice(0, 3));
    await contains(`${DOCK}[data-status='registering']`);
    sip.ua.rejectRegistration(403, "Forbidden");
    await waitForSteps(["unregister", "action_set_my_state offline"]);
    await contains(".o_notification", {
        text: "The phone system refused your softphone's credentials (403 Forbidden). Ask your manager to check your softphone account. You have been set Offline, so that no call waits for you.",
    });
    await contains(`${DOCK}[data-status='error'] .o_cc_softphone_error`, {
        text: "The phone system refused your softphone's credentials (403 Forbidden). Ask your manager to check your softphone account.",
    });
    await contains(".o_cc_presence_toggle .o_cc_presence_state", {text: "Offline"});
    await click(`${DOCK} .o_cc_softphone_dismiss`);
    await contains(DOCK, {count: 0});

    // Going Available again tries again.
    setPresence("available");
    await waitForSteps(REGISTERED.slice(0, 3));
});

test("after a failure, only going Available again tries again", async () => {
    const {setPresence} = await startAgent({
        presence: "break",
        microphoneOptions: {permission: "denied"},
    });
    // Not Available: told, not set Offline.
    await waitForSteps(["config device-key"]);
    await contains(".o_notification", {text: MICROPHONE_BLOCKED});
    // The presence item reloads the state every minute: no new attempt.
    await advanceTime(60000);
    await waitForSteps([]);
    setPresence("available");
    await waitForSteps(["config device-key", "action_set_my_state offline"]);
});

test("a new password or a revoked account: registered again as the server says", async () => {
    const {notify} = await startRegistered();
    // Another phone's account: not this one's business.
    notify("cc_telephony/sip_account", {
        username: "1002",
        kind: "softphone",
        change: "rotated",
    });
    await advanceTime(1000);
    await waitForSteps([]);
    notify("cc_telephony/sip_account", {
        username: "1001",
        kind: "softphone",
        change: "rotated",
    });
    await waitForSteps(["unregister", ...REGISTERED]);
    await contains(`${DOCK}[data-status='registered']`);
});

test("microphone blocked: the agent is told how to allow it and set Offline", async () => {
    await startAgent({
        presence: "available",
        microphoneOptions: {permission: "denied"},
    });
    await waitForSteps(["config device-key", "action_set_my_state offline"]);
    await contains(".o_notification", {text: `${MICROPHONE_BLOCKED} ${SET_OFFLINE}`});
    await contains(`${DOCK}[data-status='error'] .o_cc_softphone_error`, {
        text: MICROPHONE_BLOCKED,
    });
});

test("the browser asks for the microphone when the agent goes Available", async () => {
    const {setPresence} = await startAgent({microphoneOptions: {permission: "prompt"}});
    setPresence("available");
    await waitForSteps([
        "config device-key",
        "open microphone",
        "close microphone",
        ...REGISTERED.slice(1),
    ]);
});

test("the agent refuses the microphone when asked: told, and set Offline", async () => {
    const {setPresence} = await startAgent({
        microphoneOptions: {permission: "prompt", error: "NotAllowedError"},
    });
    setPresence("available");
    await waitForSteps([
        "config device-key",
        "open microphone",
        "action_set_my_state offline",
    ]);
    await contains(".o_notification", {text: `${MICROPHONE_BLOCKED} ${SET_OFFLINE}`});
});

test("the microphone refused at the answer: the call and the softphone stop", async () => {
    const {sip} = await startRegistered({
        microphoneOptions: {permission: "granted", error: "NotFoundError"},
    });
    sip.ua.receiveCall({number: "0551112233"});
    await click(`${DOCK} .o_cc_softphone_answer`);
    await waitForSteps([
        "ringtone",
        "ringtone stops",
        "open microphone",
        "decline 480",
        "unregister",
        "action_set_my_state offline",
    ]);
    await contains(".o_notification", {
        text: `No microphone was found on this device. Plug one in, then go Available again. ${SET_OFFLINE}`,
    });
});

test("the connection drops: reconnecting, then the agent is told", async () => {
    const {sip} = await startRegistered();
    sip.ua.loseConnection();
    await contains(`${DOCK}[data-status='registering']`);
    await click(`${DOCK} .o_cc_softphone_toggle`);
    await contains(`${DOCK} .o_cc_softphone_reason`, {
        text: "The connection to the phone system was lost: reconnecting…",
    });
    // Back within the delay: nothing to say.
    sip.ua.acceptRegistration();
    await contains(`${DOCK}[data-status='registered']`);
    await advanceTime(REGISTRATION_TIMEOUT);
    await waitForSteps([]);

    sip.ua.loseConnection();
    await advanceTime(REGISTRATION_TIMEOUT);
    await waitForSteps(["unregister", "action_set_my_state offline"]);
    await contains(".o_notification", {
        text: `Your softphone cannot reach the phone system. Check your internet connection, then go Available again. ${SET_OFFLINE}`,
    });
});

test("the pop of the ringing caller answers and hangs up", async () => {
    const {sip, pop} = await startRegistered();
    pop(makeCall());
    await contains(`${CARD} .o_cc_call_popup_name`, {text: "Mohammed Al-Ghamdi"});
    // Not ringing on the softphone yet: nothing to answer.
    expect(`${CARD} .o_cc_call_popup_softphone`).toHaveCount(0);

    sip.ua.receiveCall({number: "0551112233"});
    await contains(`${CARD} .o_cc_call_popup_answer`);
    await click(`${CARD} .o_cc_call_popup_answer`);
    await waitForSteps(["ringtone", "ringtone stops", "open microphone", "answer"]);
    await contains(`${CARD} .o_cc_call_popup_hangup`, {text: "Hang up"});
    expect(`${CARD} .o_cc_call_popup_answer`).toHaveCount(0);
    expect(`${DOCK}[data-status='in_call']`).toHaveCount(1);

    // The server says the call is answered: still the same call.
    pop({call_id: 41, update: true, state: "talking", wait: 7, failure_reason: false});
    await contains(`${CARD} .o_cc_call_popup_state`, {text: "On call"});
    await click(`${CARD} .o_cc_call_popup_hangup`);
    await waitForSteps(["hang up", "close microphone"]);
    await contains(`${CARD} .o_cc_call_popup_softphone`, {count: 0});
    expect(`${DOCK}[data-status='registered']`).toHaveCount(1);
});

test("the pop declines the ringing call", async () => {
    const {sip, pop} = await startRegistered();
    pop(makeCall());
    sip.ua.receiveCall({number: "+966551112233"});
    await click(`${CARD} .o_cc_call_popup_hangup`, {text: "Decline"});
    await waitForSteps(["ringtone", "decline 486", "ringtone stops"]);
    await contains(`${CARD} .o_cc_call_popup_softphone`, {count: 0});
});

test("another number: the only waiting card gets the ringing call", async () => {
    const {sip, pop} = await startRegistered();
    // The queue presents its own number rather than the caller's.
    sip.ua.receiveCall({number: "support"});
    pop(makeCall());
    await contains(`${CARD} .o_cc_call_popup_answer`);
    // A call being placed waits for no answer.
    pop(makeCall({call_id: 42, state: "dialing", direction: "outbound"}));
    await contains(CARD, {count: 2});
    expect(`${CARD}[data-call-id='41'] .o_cc_call_popup_answer`).toHaveCount(1);
    expect(`${CARD}[data-call-id='42'] .o_cc_call_popup_softphone`).toHaveCount(0);
    // Two calls wait: which one rings is not known.
    pop(
        makeCall({
            call_id: 43,
            number: "+966 50 999 8877",
            number_e164: "+966509998877",
        })
    );
    await contains(CARD, {count: 3});
    await contains(`${CARD} .o_cc_call_popup_softphone`, {count: 0});
    await waitForSteps(["ringtone"]);
});

test("the card of another caller gets no buttons", async () => {
    const {sip, pop} = await startRegistered();
    pop(
        makeCall({
            call_id: 43,
            number: "+966 50 999 8877",
            number_e164: "+966509998877",
        })
    );
    pop(makeCall());
    await contains(CARD, {count: 2});
    sip.ua.receiveCall({number: "0551112233"});
    await contains(`${CARD}[data-call-id='41'] .o_cc_call_popup_answer`);
    expect(`${CARD}[data-call-id='43'] .o_cc_call_popup_softphone`).toHaveCount(0);
    await waitForSteps(["ringtone"]);
});

test("the ended card of a caller who calls again gets no buttons", async () => {
    const {sip, pop} = await startRegistered();
    pop(makeCall({call_id: 40, state: "ended"}));
    pop(makeCall());
    await contains(CARD, {count: 2});
    sip.ua.receiveCall({number: "0551112233"});
    await contains(`${CARD}[data-call-id='41'] .o_cc_call_popup_answer`);
    expect(`${CARD}[data-call-id='40'] .o_cc_call_popup_softphone`).toHaveCount(0);
    await waitForSteps(["ringtone"]);
});

test("a hidden tab shows the browser's notification of the call", async () => {
    const shown = [];
    class FakeNotification extends EventTarget {
        static permission = "granted";
        constructor(title, options) {
            super();
            shown.push({title, body: options.body, tag: options.tag});
        }

        close() {
            asyncStep("notification closed");
        }
    }
    patchWithCleanup(browser, {Notification: FakeNotification});
    patchWithCleanup(document, {visibilityState: "hidden"});
    const {sip} = await startRegistered();
    const call = sip.ua.receiveCall({number: "0551112233", name: "Mohammed"});
    await waitForSteps(["ringtone"]);
    expect(shown).toEqual([
        {
            title: "Incoming call",
            body: "Mohammed · 0551112233",
            tag: "cc_telephony.softphone",
        },
    ]);
    call.hangUpRemotely();
    await waitForSteps(["ringtone stops", "notification closed"]);
});

test("notifications are asked for politely, once registered", async () => {
    class FakeNotification {
        static permission = "default";
        static async requestPermission() {
            asyncStep("requestPermission");
            return "granted";
        }
    }
    patchWithCleanup(browser, {Notification: FakeNotification});
    await startRegistered();
    await click(`${DOCK} .o_cc_softphone_toggle`);
    await click(`${DOCK} .o_cc_softphone_allow_notifications`);
    await waitForSteps(["requestPermission"]);
    await contains(`${DOCK} .o_cc_softphone_notifications`, {count: 0});
});

test("users who do not work as agents get no softphone", async () => {
    patchWithCleanup(session, {cc_is_agent: false});
    patchWithCleanup(sipLibrary, {
        async load() {
            asyncStep("load JsSIP");
        },
    });
    onRpc("/cc_telephony/softphone/config", () => asyncStep("config"));
    await startServer();
    await start();
    await advanceTime(1000);
    expect(DOCK).toHaveCount(0);
    await waitForSteps([]);
});
