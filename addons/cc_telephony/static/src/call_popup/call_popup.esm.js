import {Component, useState} from "@odoo/owl";
import {deserializeDateTime, formatDateTime} from "@web/core/l10n/dates";
import {_t} from "@web/core/l10n/translation";
import {useService} from "@web/core/utils/hooks";
import {formatDuration} from "@cc_agent/core/duration.esm";
import {useClock, useServerErrorNotification} from "@cc_agent/core/hooks.esm";
import {isSoftphoneCallOf} from "../softphone/softphone_match.esm";

// While the customer still waits for an agent, the time waited goes on.
const WAITING_STATES = ["ringing", "queued", "offering"];

/**
 * @param {string} state a call's state
 * @returns {string} the state as the agent reads it
 */
function callStateLabel(state) {
    switch (state) {
        case "ringing":
        case "offering":
            return _t("Incoming call");
        case "queued":
            return _t("In queue");
        case "dialing":
            return _t("Calling…");
        case "talking":
            return _t("On call");
        case "ended":
            return _t("Call ended");
        case "failed":
            return _t("Call failed");
        default:
            return state;
    }
}

function ticketStageLabel(stage) {
    switch (stage) {
        case "new":
            return _t("New");
        case "in_progress":
            return _t("In Progress");
        case "waiting":
            return _t("Waiting on Customer");
        case "escalated":
            return _t("Escalated");
        default:
            return stage;
    }
}

function channelLabel(channel) {
    switch (channel) {
        case "inbound_call":
            return _t("Inbound call");
        case "outbound_call":
            return _t("Outbound call");
        case "email":
            return _t("E-mail");
        case "ticket":
            return _t("Ticket resolved");
        case "other":
            return _t("Other");
        default:
            return channel;
    }
}

/**
 * One call: who calls and what they have with us, and what the agent can do
 * with it.
 */
export class CallPopup extends Component {
    static template = "cc_telephony.CallPopup";
    static props = {call: Object};

    setup() {
        this.action = useService("action");
        this.orm = useService("orm");
        this.popup = useService("cc_telephony.call_popup");
        this.cards = useState(this.popup.calls);
        this.softphone = useService("cc_telephony.softphone");
        this.softphoneState = useState(this.softphone.state);
        this.notifyServerError = useServerErrorNotification();
        this.clock = useClock();
        this.state = useState({busy: false});
    }

    get call() {
        return this.props.call;
    }

    get name() {
        return this.call.partner ? this.call.partner.name : _t("Unknown number");
    }

    get stateLabel() {
        return callStateLabel(this.call.state);
    }

    get isWaiting() {
        return WAITING_STATES.includes(this.call.state);
    }

    get showWait() {
        return this.isWaiting || this.call.wait > 0;
    }

    get wait() {
        let seconds = this.call.wait;
        if (this.isWaiting) {
            seconds += Math.floor((this.clock.now - this.call.receivedAt) / 1000);
        }
        return formatDuration(seconds);
    }

    /** Whether the softphone rings or talks with this call's caller. */
    get isOnSoftphone() {
        return isSoftphoneCallOf(this.softphoneState, this.call, this.cards);
    }

    get isSoftphoneRinging() {
        return this.softphoneState.status === "ringing";
    }

    answer() {
        return this.softphone.answer(this.call.call_id);
    }

    hangUp() {
        this.softphone.hangUp();
    }

    get failureReason() {
        return this.call.failure_reason || _t("The call could not be placed.");
    }

    get lastContacts() {
        return this.call.last_contacts.map((contact, index) => ({
            key: index,
            date: formatDateTime(deserializeDateTime(contact.date)),
            channel: channelLabel(contact.channel),
            agent: contact.agent,
        }));
    }

    stageLabel(stage) {
        return ticketStageLabel(stage);
    }

    /** The agent used the card: an ended call's card stays open. */
    onInteraction() {
        this.popup.keep(this.call.call_id);
    }

    close() {
        this.popup.close(this.call.call_id);
    }

    /**
     * Runs a method of the call on the server, then the action it returns.
     * One at a time: a double click must not make two requests.
     *
     * @param {string} method
     * @param {...any} args
     */
    async run(method, ...args) {
        if (this.state.busy) {
            return;
        }
        this.state.busy = true;
        let action = null;
        try {
            action = await this.orm.call("cc.call", method, [
                [this.call.call_id],
                ...args,
            ]);
        } catch (error) {
            this.notifyServerError(error);
            return;
        } finally {
            this.state.busy = false;
        }
        await this.action.doAction(action);
    }

    openCustomer() {
        return this.run("action_open_customer");
    }

    newTicket() {
        return this.run("action_new_ticket");
    }

    newCustomer() {
        return this.run("action_new_customer");
    }

    attachTicket(ticket) {
        return this.run("action_attach_ticket", ticket.id);
    }

    openTicket(ticket) {
        return this.action.doAction({
            type: "ir.actions.act_window",
            res_model: "cc.ticket",
            res_id: ticket.id,
            views: [[false, "form"]],
        });
    }
}

/** The cards of the agent's calls, stacked in the top corner. */
export class CallPopupContainer extends Component {
    static template = "cc_telephony.CallPopupContainer";
    static components = {CallPopup};
    static props = {};

    setup() {
        this.calls = useState(useService("cc_telephony.call_popup").calls);
    }
}
