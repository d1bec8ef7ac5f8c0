/**
 * Stand-ins for the softphone's boundaries, for Hoot tests and tours: a fake
 * JsSIP (the ``UA`` and ``WebSocketInterface`` classes the library exposes,
 * with the events and methods the softphone uses) and a fake microphone.
 * Each thing the softphone asks of them is a step given to ``onStep``; the
 * test plays the other side: the registrar's answer, an incoming call, the
 * caller hanging up.
 */

class Emitter {
    constructor() {
        this.listeners = {};
    }

    on(event, callback) {
        (this.listeners[event] ||= []).push(callback);
        return this;
    }

    emit(event, data = {}) {
        for (const callback of this.listeners[event] || []) {
            callback(data);
        }
    }
}

/** An incoming call, as JsSIP's RTCSession. */
export class FakeSipSession extends Emitter {
    constructor(ua, {number, name = ""}) {
        super();
        this.ua = ua;
        this.remote_identity = {uri: {user: number}, display_name: name};
        this.status = "ringing";
        this.connection = null;
        this.referSubscriber = null;
    }

    step(message) {
        this.ua.fake.step(message);
    }

    isEnded() {
        return ["ended", "failed"].includes(this.status);
    }

    answer(options) {
        this.step("answer");
        this.answerOptions = options;
        this.status = "answering";
        Promise.resolve().then(() => {
            if (this.status === "answering") {
                this.status = "confirmed";
                this.emit("accepted", {originator: "local"});
                this.emit("confirmed", {originator: "local"});
            }
        });
    }

    terminate(options = {}) {
        if (this.isEnded()) {
            throw new Error("the session has ended");
        }
        if (this.status === "ringing") {
            this.step(`decline ${options.status_code}`);
            this.status = "failed";
            this.emit("failed", {originator: "local", cause: "Rejected"});
        } else {
            this.step("hang up");
            this.status = "ended";
            this.emit("ended", {originator: "local", cause: "Terminated"});
        }
    }

    mute(options) {
        this.step(`mute ${JSON.stringify(options)}`);
        this.emit("muted", options);
    }

    unmute(options) {
        this.step(`unmute ${JSON.stringify(options)}`);
        this.emit("unmuted", options);
    }

    hold() {
        this.step("hold");
        this.emit("hold", {originator: "local"});
        return true;
    }

    unhold() {
        this.step("unhold");
        this.emit("unhold", {originator: "local"});
        return true;
    }

    /**
     * A blind transfer: FreeSWITCH accepts the REFER, takes the caller to
     * the target and hangs up this leg (unless the test answers itself).
     */
    refer(target) {
        this.step(`refer ${target}`);
        const subscriber = new Emitter();
        this.referSubscriber = subscriber;
        if (this.ua.fake.autoTransfer) {
            Promise.resolve().then(() => {
                subscriber.emit("requestSucceeded", {});
                subscriber.emit("accepted", {});
                if (!this.isEnded()) {
                    this.hangUpRemotely();
                }
            });
        }
        return subscriber;
    }

    sendDTMF(tone, options) {
        this.step(`dtmf ${tone} ${options.transportType}`);
    }

    /** The caller hangs up (or gives up before the answer). */
    hangUpRemotely() {
        if (this.status === "ringing") {
            this.status = "failed";
            this.emit("failed", {originator: "remote", cause: "Canceled"});
        } else {
            this.status = "ended";
            this.emit("ended", {originator: "remote", cause: "Terminated"});
        }
    }
}

class FakeUA extends Emitter {
    constructor(fake, configuration) {
        super();
        this.fake = fake;
        this.configuration = configuration;
        this.registered = false;
        this.stopped = false;
        fake.uas.push(this);
    }

    start() {
        const {uri, password} = this.configuration;
        const url = this.configuration.sockets[0].url;
        this.fake.step(
            `register ${uri} ${password ? "with" : "without"} password ${url}`
        );
        if (this.fake.autoRegister) {
            Promise.resolve().then(() => this.acceptRegistration());
        }
    }

    stop() {
        this.fake.step("unregister");
        this.stopped = true;
        if (this.registered) {
            this.registered = false;
            this.emit("unregistered", {});
        }
    }

    isRegistered() {
        return this.registered;
    }

    // What the registrar (FreeSWITCH) does.

    acceptRegistration() {
        if (!this.stopped) {
            this.registered = true;
            this.emit("registered", {response: {status_code: 200}});
        }
    }

    rejectRegistration(status = 403, reason = "Forbidden") {
        this.emit("registrationFailed", {
            response: {status_code: status, reason_phrase: reason},
            cause:
                status === 401 || status === 407 ? "Authentication Error" : "Rejected",
        });
    }

    loseConnection() {
        this.registered = false;
        this.emit("disconnected", {error: true});
    }

    /**
     * A call comes in.
     *
     * @param {{number: string, name?: string}} caller
     * @returns {FakeSipSession}
     */
    receiveCall(caller) {
        const session = new FakeSipSession(this, caller);
        this.emit("newRTCSession", {originator: "remote", session, request: {}});
        return session;
    }
}

/** The library, as JsSIP's global object. */
export class FakeSip {
    /**
     * @param {Object} [options]
     * @param {boolean} [options.autoRegister] the registrar accepts at once
     * @param {boolean} [options.autoTransfer] FreeSWITCH takes every REFER
     * @param {(message: string) => void} [options.onStep]
     */
    constructor({autoRegister = true, autoTransfer = true, onStep = () => {}} = {}) {
        const fake = this;
        this.autoRegister = autoRegister;
        this.autoTransfer = autoTransfer;
        this.onStep = onStep;
        this.uas = [];
        this.UA = class UA extends FakeUA {
            constructor(configuration) {
                super(fake, configuration);
            }
        };
        this.WebSocketInterface = class WebSocketInterface {
            constructor(url) {
                this.url = url;
            }
        };
        this.debug = {disable() {}};
    }

    /** The last user agent made: the softphone's. */
    get ua() {
        return this.uas.at(-1);
    }

    step(message) {
        this.onStep(message);
    }
}

/**
 * A microphone the browser lets the page use (or not): a patch for the
 * softphone's ``microphone``.
 *
 * @param {Object} [options]
 * @param {string} [options.permission] what the browser says without asking
 * @param {string|null} [options.error] the name of getUserMedia's error
 * @param {(message: string) => void} [options.onStep]
 */
export function makeFakeMicrophone({
    permission = "granted",
    error = null,
    onStep = () => {},
} = {}) {
    return {
        async permission() {
            return permission;
        },
        async open() {
            onStep("open microphone");
            if (error) {
                throw new DOMException("refused", error);
            }
            return {
                getTracks: () => [{stop: () => onStep("close microphone")}],
            };
        },
    };
}
