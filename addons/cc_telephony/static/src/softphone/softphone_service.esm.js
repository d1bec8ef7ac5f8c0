import {reactive} from "@odoo/owl";
import {browser} from "@web/core/browser/browser";
import {_t} from "@web/core/l10n/translation";
import {rpc, rpcBus, RPCError} from "@web/core/network/rpc";
import {registry} from "@web/core/registry";
import {user} from "@web/core/user";
import {session} from "@web/session";
import {readDeviceToken} from "@cc_agent/core/device_token.esm";
import {closeStream, microphone} from "./microphone.esm";
import {ringtone} from "./ringtone.esm";
import {sipLibrary} from "./sip_library.esm";
import {SoftphonePanel} from "./softphone_panel.esm";

// How long the softphone may take to register (or to register again after
// the connection dropped) before the agent is told calls cannot reach them.
export const REGISTRATION_TIMEOUT = 30000;
// An answer waits for the network paths (ICE candidates) this long at most:
// an unreachable STUN server must not keep the caller waiting.
const ICE_GATHERING_LIMIT = 1500;
// JsSIP's causes of a failed registration that a reconnection may cure.
const TRANSIENT_CAUSES = ["Connection Error", "Request Timeout"];
const DTMF_TONE = /^[0-9*#A-D]$/;

/**
 * What to tell the agent whose microphone could not be opened.
 *
 * @param {Error} error from getUserMedia
 * @returns {string}
 */
function microphoneMessage(error) {
    switch (error?.name) {
        case "NotFoundError":
        case "OverconstrainedError":
            return _t(
                "No microphone was found on this device. Plug one in, then go Available again."
            );
        case "NotReadableError":
        case "AbortError":
            return _t(
                "Your microphone is busy in another application. Close that application, then go Available again."
            );
        default:
            return microphoneBlockedMessage();
    }
}

function microphoneBlockedMessage() {
    return _t(
        "Your browser does not let Odoo use the microphone, so calls cannot reach you here. To allow it, open this site's settings (the icon at the left of the address bar, or the browser's menu on a phone), set Microphone to Allow, reload the page and go Available again."
    );
}

function registrationMessage({cause, response}) {
    const status = response?.status_code;
    const reason = status ? `${status} ${response.reason_phrase || ""}`.trim() : cause;
    if (cause === "Authentication Error" || status === 401 || status === 403) {
        return _t(
            "The phone system refused your softphone's credentials (%(reason)s). Ask your manager to check your softphone account.",
            {reason}
        );
    }
    return _t("The phone system refused to register your softphone (%(reason)s).", {
        reason,
    });
}

function errorMessage(error) {
    return error?.data?.message || error?.message || String(error);
}

/**
 * The softphone: the agent's browser as their phone, over WebRTC (SIP over a
 * secure websocket to FreeSWITCH).
 *
 * Its status, in ``state.status``:
 * - ``disabled``: the user is no agent, or the server has no softphone for
 *   them on this device (``state.reason`` says why);
 * - ``unregistered``: the agent is Offline;
 * - ``registering``: going online, or connecting again after a drop;
 * - ``registered``: calls reach this browser;
 * - ``ringing``: a call comes in (``state.call``);
 * - ``in_call``: the agent talks (``state.call.muted``, ``state.call.held``);
 * - ``error``: calls cannot reach this browser (``state.reason`` says why
 *   and what to do); an Available agent is set Offline and told so.
 *
 * It registers when the agent goes online (Available, or any state but
 * Offline) and unregisters when they go Offline, after the call in progress
 * if any. It learns the agent's state from the server's answers to
 * get_my_status (its own at start, the presence item's after each change)
 * and from "cc_agent/presence" on the bus (changes made elsewhere). One call
 * at a time: another one meanwhile is answered busy.
 *
 * Every tab of the agent registers (FreeSWITCH rings them all, and the one
 * that answers takes the call: the agent answers where they look); only one
 * of them sounds the ring and shows the browser's notification when none is
 * in sight.
 *
 * Its API: ``state`` (reactive), ``answer(callId?)``, ``hangUp()`` (declines
 * a ringing call), ``toggleMute()``, ``toggleHold()``, ``transfer(target)``,
 * ``sendDtmf(tone)``, ``requestNotificationPermission()``,
 * ``dismissError()``.
 */
export const softphoneService = {
    dependencies: ["bus_service", "multi_tab", "notification", "orm"],

    start(env, services) {
        const {
            bus_service: busService,
            multi_tab: multiTab,
            notification,
            orm,
        } = services;

        const state = reactive({
            status: "disabled",
            reason: "",
            extension: "",
            transferTargets: [],
            // Why the agent's queue calls do not ring here, if they do not.
            routeError: "",
            /**
             * The call ringing or in progress: ``number`` and ``name`` of
             * the caller, ``callId`` of its pop card once known, flags
             * ``answering``, ``muted``, ``held``, ``transferring``, and
             * ``answeredAt`` (ms since the epoch).
             */
            call: null,
            notificationPermission: browser.Notification?.permission || "denied",
        });

        let agentId = null;
        let presence = "offline";
        // Each activation and deactivation starts a new generation: what an
        // earlier one awaited is dropped when it comes back.
        let generation = 0;
        // The server's answer, with the SIP password: in memory only.
        let config = null;
        let ua = null;
        let routed = false;
        let registrationTimer = null;
        let rtcSession = null;
        let localStream = null;
        let remoteAudio = null;
        let systemNotification = null;
        // Offline (or a failure) came during a call: applied when it ends.
        let stopAfterCall = false;
        let failureAfterCall = null;
        let restartAfterCall = false;

        function setStatus(status, reason = "") {
            state.status = status;
            state.reason = reason;
        }

        // --------------------------------------------------------------
        // Presence: online registers, Offline unregisters
        // --------------------------------------------------------------

        async function loadPresence() {
            try {
                await orm.call("cc.presence.log", "get_my_status", []);
            } catch (error) {
                if (!(error instanceof RPCError)) {
                    throw error;
                }
                // The presence item says what is wrong.
                setStatus("disabled");
            }
        }

        /**
         * The agent's status as the server gives it (get_my_status, which
         * the presence item also asks after each change of state): the
         * softphone follows it even where no notification reaches the page.
         */
        function onRpcResponse({detail}) {
            const {model, method} = detail.data.params || {};
            if (
                model === "cc.presence.log" &&
                method === "get_my_status" &&
                detail.result
            ) {
                agentId = detail.result.agent.id;
                applyPresence(detail.result.state);
            }
        }

        function onPresenceNotification(payload) {
            if (agentId !== null && payload.agent_id === agentId) {
                applyPresence(payload.state);
            }
        }

        /**
         * Online registers, Offline unregisters. After a failure, only going
         * Available again tries again: the same state told again (the
         * presence item reloads it every minute) does not.
         */
        function applyPresence(newPresence) {
            const previous = presence;
            presence = newPresence;
            if (presence === "offline") {
                deactivate();
            } else if (rtcSession) {
                // Back online during the call that Offline interrupted.
                stopAfterCall = false;
            } else if (
                state.status === "unregistered" ||
                (state.status === "error" &&
                    presence === "available" &&
                    previous !== "available")
            ) {
                activate();
            }
        }

        /**
         * The password of the softphone's account was changed, or the account
         * revoked: it registers again with what the server says now.
         */
        function onAccountChange({username}) {
            if (!config || username !== config.username) {
                return;
            }
            if (rtcSession) {
                restartAfterCall = true;
                return;
            }
            restart();
        }

        function restart() {
            stopUA();
            if (presence !== "offline") {
                activate();
            }
        }

        // --------------------------------------------------------------
        // Registration
        // --------------------------------------------------------------

        async function activate() {
            const run = ++generation;
            stopAfterCall = false;
            setStatus("registering");
            const deviceToken = readDeviceToken(user.userId);
            let answer = null;
            try {
                answer = await rpc(
                    "/cc_telephony/softphone/config",
                    {device_token: deviceToken},
                    {silent: true}
                );
            } catch (error) {
                if (run === generation) {
                    fail(
                        _t("The softphone's settings could not be loaded: %(error)s", {
                            error: errorMessage(error),
                        })
                    );
                }
                return;
            }
            if (run !== generation) {
                return;
            }
            if (!answer.enabled) {
                setStatus(
                    "disabled",
                    answer.reason || _t("There is no softphone for you on this device.")
                );
                return;
            }
            if (!window.isSecureContext || !window.RTCPeerConnection) {
                fail(
                    _t(
                        "This browser cannot take calls: open Odoo over https in an up-to-date Chrome, Edge, Firefox or Safari."
                    )
                );
                return;
            }
            const microphoneError = await checkMicrophone();
            if (run !== generation) {
                return;
            }
            if (microphoneError) {
                fail(microphoneError);
                return;
            }
            let JsSIP = null;
            try {
                JsSIP = await sipLibrary.load();
            } catch {
                if (run === generation) {
                    fail(
                        _t(
                            "The softphone could not be loaded. Check your internet connection, then go Available again."
                        )
                    );
                }
                return;
            }
            if (run !== generation) {
                return;
            }
            startUA(JsSIP, answer);
        }

        /** @returns {Promise<string|null>} what keeps the microphone closed */
        async function checkMicrophone() {
            const permission = await microphone.permission();
            if (permission === "granted") {
                return null;
            }
            if (permission === "denied") {
                return microphoneBlockedMessage();
            }
            // The browser asks the agent now, as they chose to take calls.
            try {
                closeStream(await microphone.open());
            } catch (error) {
                return microphoneMessage(error);
            }
            return null;
        }

        function startUA(JsSIP, answer) {
            config = answer;
            state.extension = answer.extension || answer.username;
            state.transferTargets = answer.transfer_targets || [];
            let newUA = null;
            try {
                newUA = new JsSIP.UA({
                    sockets: [new JsSIP.WebSocketInterface(answer.ws_url)],
                    uri: `sip:${answer.username}@${answer.domain}`,
                    password: answer.password,
                    display_name: answer.display_name,
                    register: true,
                    session_timers: false,
                    user_agent: "CC Suite Softphone",
                });
            } catch (error) {
                // Named, not shown: JsSIP's message repeats the value, which
                // may be the password.
                fail(
                    _t("The softphone's settings are not valid (%(setting)s).", {
                        setting: error.parameter || error.name,
                    })
                );
                return;
            }
            ua = newUA;
            const isCurrent = () => ua === newUA;
            newUA.on("registered", () => isCurrent() && onRegistered());
            newUA.on("unregistered", () => isCurrent() && onConnectionLost());
            newUA.on("disconnected", () => isCurrent() && onConnectionLost());
            newUA.on("registrationFailed", (data) => {
                if (!isCurrent()) {
                    return;
                }
                if (TRANSIENT_CAUSES.includes(data.cause)) {
                    onConnectionLost();
                } else {
                    fail(registrationMessage(data));
                }
            });
            newUA.on("newRTCSession", (data) => isCurrent() && onNewSession(data));
            newUA.start();
            startRegistrationTimer();
        }

        function onRegistered() {
            clearRegistrationTimer();
            if (!rtcSession) {
                setStatus("registered");
            }
            if (!routed) {
                routed = true;
                routeHere(generation);
            }
        }

        /** Asks the server that the agent's queues ring this browser. */
        async function routeHere(run) {
            let answer = null;
            try {
                answer = await rpc(
                    "/cc_telephony/softphone/route_here",
                    {device_token: readDeviceToken(user.userId)},
                    {silent: true}
                );
            } catch (error) {
                answer = {ok: false, reason: errorMessage(error)};
            }
            if (run !== generation || answer.ok) {
                return;
            }
            state.routeError = _t(
                "Calls of your queues will not ring in this browser: %(reason)s",
                {reason: answer.reason}
            );
            notification.add(state.routeError, {
                title: _t("Softphone"),
                type: "warning",
            });
        }

        function onConnectionLost() {
            if (state.status === "registered") {
                setStatus(
                    "registering",
                    _t("The connection to the phone system was lost: reconnecting…")
                );
            }
            if (!registrationTimer) {
                startRegistrationTimer();
            }
        }

        function startRegistrationTimer() {
            clearRegistrationTimer();
            registrationTimer = browser.setTimeout(() => {
                registrationTimer = null;
                if (ua?.isRegistered()) {
                    return;
                }
                fail(
                    _t(
                        "Your softphone cannot reach the phone system. Check your internet connection, then go Available again."
                    )
                );
            }, REGISTRATION_TIMEOUT);
        }

        function clearRegistrationTimer() {
            browser.clearTimeout(registrationTimer);
            registrationTimer = null;
        }

        function stopUA() {
            clearRegistrationTimer();
            const oldUA = ua;
            ua = null;
            config = null;
            routed = false;
            state.routeError = "";
            // Stopping unregisters (the server stops ringing this browser)
            // and closes the websocket.
            oldUA?.stop();
        }

        function deactivate() {
            generation++;
            if (rtcSession) {
                // The call goes on; the softphone stops when it ends.
                stopAfterCall = true;
                return;
            }
            stopUA();
            if (state.status !== "error") {
                setStatus("unregistered");
            }
        }

        /**
         * Calls cannot reach this browser: the softphone stops and says why.
         * An Available agent is set Offline so that no call waits for them,
         * and told so.
         *
         * @param {string} message why, and what to do
         */
        function fail(message) {
            if (rtcSession) {
                failureAfterCall = message;
                return;
            }
            generation++;
            stopUA();
            setStatus("error", message);
            const setOffline = presence === "available";
            notification.add(
                setOffline
                    ? `${message} ${_t("You have been set Offline, so that no call waits for you.")}`
                    : message,
                {title: _t("You cannot take calls here"), type: "danger", sticky: true}
            );
            if (setOffline) {
                // The agent is told either way; the listener's reconciliation
                // and the missed offers do the rest if this does not pass.
                orm.call("cc.presence.log", "action_set_my_state", ["offline"]).catch(
                    () => {}
                );
            }
        }

        // --------------------------------------------------------------
        // Calls
        // --------------------------------------------------------------

        function onNewSession({originator, session: newSession}) {
            if (originator !== "remote") {
                return;
            }
            if (rtcSession) {
                newSession.terminate({status_code: 486, reason_phrase: "Busy Here"});
                return;
            }
            rtcSession = newSession;
            const identity = newSession.remote_identity;
            state.call = {
                number: identity?.uri?.user || "",
                name: identity?.display_name || "",
                callId: null,
                answering: false,
                muted: false,
                held: false,
                transferring: false,
                answeredAt: null,
            };
            setStatus("ringing");
            const isCurrent = () => rtcSession === newSession;
            newSession.on("peerconnection", ({peerconnection}) => {
                peerconnection.addEventListener("track", (event) =>
                    playRemote(event.streams[0] || new MediaStream([event.track]))
                );
            });
            let iceTimer = null;
            newSession.on("icecandidate", ({ready}) => {
                iceTimer ??= browser.setTimeout(ready, ICE_GATHERING_LIMIT);
            });
            newSession.on("accepted", () => isCurrent() && onAccepted());
            newSession.on("confirmed", () => isCurrent() && onAccepted());
            newSession.on("ended", () => isCurrent() && onSessionEnd());
            newSession.on("failed", () => isCurrent() && onSessionEnd());
            newSession.on("muted", () => isCurrent() && (state.call.muted = true));
            newSession.on("unmuted", () => isCurrent() && (state.call.muted = false));
            newSession.on("hold", ({originator: side}) => {
                if (isCurrent() && side === "local") {
                    state.call.held = true;
                }
            });
            newSession.on("unhold", ({originator: side}) => {
                if (isCurrent() && side === "local") {
                    state.call.held = false;
                }
            });
            startRinging();
        }

        function onAccepted() {
            if (state.status === "in_call") {
                return;
            }
            stopRinging();
            state.call.answering = false;
            state.call.answeredAt = Date.now();
            setStatus("in_call");
        }

        function onSessionEnd() {
            stopRinging();
            closeStream(localStream);
            localStream = null;
            if (remoteAudio) {
                remoteAudio.srcObject = null;
            }
            rtcSession = null;
            state.call = null;
            if (failureAfterCall) {
                const message = failureAfterCall;
                failureAfterCall = null;
                fail(message);
            } else if (stopAfterCall) {
                stopAfterCall = false;
                restartAfterCall = false;
                stopUA();
                setStatus("unregistered");
            } else if (restartAfterCall) {
                restartAfterCall = false;
                restart();
            } else if (ua?.isRegistered()) {
                setStatus("registered");
            } else {
                setStatus(
                    "registering",
                    _t("The connection to the phone system was lost: reconnecting…")
                );
            }
        }

        function playRemote(stream) {
            if (!remoteAudio) {
                remoteAudio = document.createElement("audio");
                remoteAudio.autoplay = true;
            }
            remoteAudio.srcObject = stream;
            remoteAudio.play().catch(() => {});
        }

        function startRinging() {
            // One tab rings for all when none is in sight.
            if (document.visibilityState === "visible" || multiTab.isOnMainTab()) {
                ringtone.start();
            }
            showSystemNotification();
        }

        function stopRinging() {
            ringtone.stop();
            systemNotification?.close();
            systemNotification = null;
        }

        /** The browser's notification, when Odoo is in the background. */
        function showSystemNotification() {
            if (
                document.visibilityState !== "hidden" ||
                state.notificationPermission !== "granted" ||
                !multiTab.isOnMainTab()
            ) {
                return;
            }
            const title = _t("Incoming call");
            const options = {
                body: [state.call.name, state.call.number].filter(Boolean).join(" · "),
                icon: "/cc_telephony/static/description/icon.png",
                tag: "cc_telephony.softphone",
                requireInteraction: true,
            };
            try {
                systemNotification = new browser.Notification(title, options);
            } catch {
                // Chrome on Android: only a service worker shows them.
                browser.navigator.serviceWorker
                    ?.getRegistration()
                    .then((registration) =>
                        registration?.showNotification(title, options)
                    )
                    .catch(() => {});
                return;
            }
            systemNotification.addEventListener("click", () => {
                window.focus();
                systemNotification?.close();
            });
        }

        async function requestNotificationPermission() {
            if (browser.Notification) {
                state.notificationPermission =
                    await browser.Notification.requestPermission();
            }
        }

        /**
         * Answers the ringing call, with the microphone.
         *
         * @param {number} [callId] the pop card it was answered from
         */
        async function answer(callId = null) {
            const current = rtcSession;
            if (!current || state.status !== "ringing" || state.call.answering) {
                return;
            }
            state.call.answering = true;
            if (callId) {
                state.call.callId = callId;
            }
            stopRinging();
            let stream = null;
            try {
                stream = await microphone.open();
            } catch (error) {
                if (rtcSession === current) {
                    current.terminate({
                        status_code: 480,
                        reason_phrase: "Temporarily Unavailable",
                    });
                }
                fail(microphoneMessage(error));
                return;
            }
            if (rtcSession !== current || current.isEnded()) {
                closeStream(stream);
                return;
            }
            localStream = stream;
            try {
                current.answer({
                    mediaStream: stream,
                    pcConfig: {iceServers: config?.ice_servers || []},
                });
            } catch {
                // The caller hung up meanwhile: the session ends by itself.
                state.call.answering = false;
            }
        }

        /** Hangs up the call, or declines it while it rings. */
        function hangUp() {
            if (!rtcSession) {
                return;
            }
            if (state.status === "ringing") {
                rtcSession.terminate({status_code: 486, reason_phrase: "Busy Here"});
            } else {
                rtcSession.terminate();
            }
        }

        function toggleMute() {
            if (rtcSession && state.status === "in_call") {
                if (state.call.muted) {
                    rtcSession.unmute({audio: true});
                } else {
                    rtcSession.mute({audio: true});
                }
            }
        }

        function toggleHold() {
            if (rtcSession && state.status === "in_call") {
                if (state.call.held) {
                    rtcSession.unhold();
                } else {
                    rtcSession.hold();
                }
            }
        }

        /**
         * Hands the call over to a colleague or a queue (a blind transfer,
         * SIP REFER): the phone system takes the caller there and this leg
         * ends.
         *
         * @param {{label: string, target: string}} target
         */
        function transfer(target) {
            const current = rtcSession;
            if (!current || state.status !== "in_call" || state.call.transferring) {
                return;
            }
            state.call.transferring = true;
            const failed = () => {
                if (rtcSession !== current) {
                    return;
                }
                state.call.transferring = false;
                notification.add(
                    _t(
                        "The call could not be transferred to %(target)s: it is still yours.",
                        {
                            target: target.label,
                        }
                    ),
                    {title: _t("Softphone"), type: "warning"}
                );
            };
            let subscriber = null;
            try {
                subscriber = current.refer(target.target);
            } catch {
                subscriber = null;
            }
            if (!subscriber) {
                failed();
                return;
            }
            subscriber.on("requestFailed", failed);
            subscriber.on("failed", failed);
            subscriber.on("accepted", () => {
                if (rtcSession === current && !current.isEnded()) {
                    current.terminate();
                }
            });
        }

        /**
         * Sends a keypad tone: in the media (RFC 2833) when the browser can,
         * else as SIP INFO.
         *
         * @param {string} tone 0-9, *, # or A-D
         */
        function sendDtmf(tone) {
            if (!rtcSession || state.status !== "in_call" || !DTMF_TONE.test(tone)) {
                return;
            }
            const senders = rtcSession.connection?.getSenders() || [];
            const inMedia = senders.some(
                (sender) => sender.track?.kind === "audio" && sender.dtmf
            );
            try {
                rtcSession.sendDTMF(tone, {
                    transportType: inMedia ? "RFC2833" : "INFO",
                });
            } catch {
                // The call ended meanwhile.
            }
        }

        /** Closes the error: the agent read it. */
        function dismissError() {
            if (state.status === "error") {
                setStatus("unregistered");
            }
        }

        if (session.cc_is_agent) {
            setStatus("unregistered");
            registry
                .category("main_components")
                .add("cc_telephony.SoftphonePanel", {Component: SoftphonePanel});
            busService.subscribe("cc_agent/presence", onPresenceNotification);
            busService.subscribe("cc_telephony/sip_account", onAccountChange);
            rpcBus.addEventListener("RPC:RESPONSE", onRpcResponse);
            busService.start();
            // Leaving the page unregisters it: calls stop ringing there. A
            // page the browser kept and shows again registers again.
            browser.addEventListener("pagehide", () => {
                generation++;
                stopUA();
                if (state.status !== "error") {
                    setStatus("unregistered");
                }
            });
            browser.addEventListener("pageshow", (event) => {
                if (event.persisted && presence !== "offline") {
                    applyPresence(presence);
                }
            });
            // Not awaited: the web client does not wait for the softphone.
            loadPresence();
        }

        return {
            state,
            answer,
            dismissError,
            hangUp,
            requestNotificationPermission,
            sendDtmf,
            toggleHold,
            toggleMute,
            transfer,
        };
    },
};

registry.category("services").add("cc_telephony.softphone", softphoneService);
