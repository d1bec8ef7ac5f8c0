import {Component, useEffect, useState} from "@odoo/owl";
import {_t} from "@web/core/l10n/translation";
import {useService} from "@web/core/utils/hooks";
import {formatDuration} from "@cc_agent/core/duration.esm";
import {useClock} from "@cc_agent/core/hooks.esm";

const KEYPAD = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "0", "#"];
// The panel opens by itself for what the agent must see.
const OPENING_STATUSES = ["ringing", "in_call", "error"];

/**
 * The softphone's dock: a round button in the bottom corner showing whether
 * calls reach this browser, opening a panel to answer, hang up, mute, hold,
 * transfer and dial tones; the whole width of a phone's screen.
 */
export class SoftphonePanel extends Component {
    static template = "cc_telephony.SoftphonePanel";
    static props = {};

    setup() {
        this.softphone = useService("cc_telephony.softphone");
        this.state = useState(this.softphone.state);
        this.ui = useState({open: false, pane: null, tones: ""});
        this.clock = useClock();
        this.keypad = KEYPAD;
        useEffect(
            (status) => {
                this.ui.open = OPENING_STATUSES.includes(status);
                if (status !== "in_call") {
                    this.ui.pane = null;
                    this.ui.tones = "";
                }
            },
            () => [this.state.status]
        );
    }

    get visible() {
        return (
            this.state.status !== "unregistered" &&
            (this.state.status !== "disabled" || Boolean(this.state.reason))
        );
    }

    get call() {
        return this.state.call;
    }

    get statusLabel() {
        switch (this.state.status) {
            case "registering":
                return _t("Connecting…");
            case "registered":
                return _t("Ready for calls");
            case "ringing":
                return _t("Incoming call");
            case "in_call":
                return this.call.held ? _t("On hold") : _t("On call");
            case "error":
                return _t("You cannot take calls here");
            default:
                return _t("No softphone");
        }
    }

    get callerName() {
        return this.call.name || this.call.number || _t("Unknown number");
    }

    get duration() {
        // The clock makes it tick; the time is read now, the clock's being up
        // to a second old.
        const now = Math.max(this.clock.now, Date.now());
        return formatDuration((now - this.call.answeredAt) / 1000);
    }

    get askNotifications() {
        return (
            this.state.status === "registered" &&
            this.state.notificationPermission === "default"
        );
    }

    toggle() {
        this.ui.open = !this.ui.open;
    }

    /** @param {"keypad"|"transfer"} pane */
    togglePane(pane) {
        this.ui.pane = this.ui.pane === pane ? null : pane;
    }

    answer() {
        return this.softphone.answer();
    }

    hangUp() {
        this.softphone.hangUp();
    }

    toggleMute() {
        this.softphone.toggleMute();
    }

    toggleHold() {
        this.softphone.toggleHold();
    }

    transfer(target) {
        this.ui.pane = null;
        this.softphone.transfer(target);
    }

    sendTone(tone) {
        this.ui.tones += tone;
        this.softphone.sendDtmf(tone);
    }

    allowNotifications() {
        return this.softphone.requestNotificationPermission();
    }

    dismissError() {
        this.softphone.dismissError();
    }
}
