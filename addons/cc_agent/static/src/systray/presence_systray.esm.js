import {Component, onMounted, onWillUnmount, useState} from "@odoo/owl";
import {Dropdown} from "@web/core/dropdown/dropdown";
import {useDropdownState} from "@web/core/dropdown/dropdown_hooks";
import {_t} from "@web/core/l10n/translation";
import {registry} from "@web/core/registry";
import {user} from "@web/core/user";
import {useService} from "@web/core/utils/hooks";
import {session} from "@web/session";
import {
    generateDeviceToken,
    readDeviceToken,
    storeDeviceToken,
} from "@cc_agent/core/device_token.esm";
import {formatDuration} from "@cc_agent/core/duration.esm";
import {
    useClock,
    useInterval,
    usePresenceNotifications,
    useServerErrorNotification,
} from "@cc_agent/core/hooks.esm";
import {formatAmount} from "@cc_agent/core/money.esm";
import {parseSince, presenceLabel, secondsIn} from "@cc_agent/core/presence.esm";
import {QuotaProgress} from "@cc_agent/core/quota_progress.esm";

// How often the item reloads the agent's figures (handled contacts, pay)
// that no notification announces.
const REFRESH_INTERVAL = 60000;

/**
 * The agent's presence in the navigation bar: their state and the time in it,
 * and a menu to change state, follow the day's quota and pay, and register the
 * device they work from.
 */
export class PresenceSystray extends Component {
    static template = "cc_agent.PresenceSystray";
    static components = {Dropdown, QuotaProgress};
    static props = {};

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        this.notification = useService("notification");
        this.notifyServerError = useServerErrorNotification();
        this.ui = useState(useService("ui"));
        this.dropdown = useDropdownState();
        this.clock = useClock();
        this.state = useState({
            isAgent: false,
            status: null,
            busy: false,
            deviceName: "",
            deviceKind: this.ui.isSmall ? "phone" : "laptop",
        });
        this.deviceKinds = [
            ["phone", _t("Phone")],
            ["tablet", _t("Tablet")],
            ["laptop", _t("Laptop")],
            ["desktop", _t("Desktop")],
        ];
        useInterval(() => this.state.isAgent && this.load(), REFRESH_INTERVAL);
        usePresenceNotifications((payload) => this.onPresenceNotification(payload));
        // Availability slots: reminded as a slot starts, told as it ends.
        const busService = useService("bus_service");
        const onSlot = (payload) => this.onSlotNotification(payload);
        this.closeSlotReminder = null;
        onMounted(() => busService.subscribe("cc_agent/slot", onSlot));
        onWillUnmount(() => busService.unsubscribe("cc_agent/slot", onSlot));
        // Not awaited: the navigation bar does not wait for the agent's figures.
        this.start();
    }

    async start() {
        // The server says whether the user works as an agent (an agent
        // employee), whatever their role: a supervisor may take calls too.
        this.state.isAgent = Boolean(session.cc_is_agent);
        if (this.state.isAgent) {
            await this.load();
        }
    }

    async load() {
        let status = null;
        try {
            status = await this.orm.call("cc.presence.log", "get_my_status", [], {
                device_token: readDeviceToken(user.userId),
            });
        } catch (error) {
            if (error.exceptionName === "odoo.exceptions.AccessError") {
                // The user has the Agent role but is no agent (no agent
                // employee): said once, then the item goes away rather than
                // repeating it every minute.
                this.state.isAgent = false;
            }
            this.notifyServerError(error);
            return;
        }
        this.state.status = {...status, sinceMs: parseSince(status.since)};
    }

    onPresenceNotification(payload) {
        const status = this.state.status;
        if (!status || payload.agent_id !== status.agent.id) {
            return;
        }
        if (payload.state !== "offline" && this.closeSlotReminder) {
            this.closeSlotReminder();
            this.closeSlotReminder = null;
        }
        Object.assign(status, {
            state: payload.state,
            break_reason: payload.break_reason,
            since: payload.since,
            sinceMs: parseSince(payload.since),
        });
        this.load();
    }

    onSlotNotification(payload) {
        const status = this.state.status;
        if (!status || payload.agent_id !== status.agent.id) {
            return;
        }
        if (payload.kind === "start") {
            this.closeSlotReminder?.();
            this.closeSlotReminder = this.notification.add(
                _t("Your shift starts now."),
                {
                    title: _t("Call Center"),
                    type: "info",
                    sticky: true,
                    buttons: [
                        {
                            name: _t("Go Available"),
                            primary: true,
                            onClick: () => {
                                this.closeSlotReminder();
                                this.closeSlotReminder = null;
                                this.setState("available");
                            },
                        },
                    ],
                }
            );
            return;
        }
        this.notification.add(
            payload.after_call
                ? _t("Your shift has ended: you go Offline after this call.")
                : _t("Your shift has ended: you are now Offline."),
            {title: _t("Call Center"), type: "info"}
        );
    }

    get status() {
        return this.state.status;
    }

    get label() {
        return presenceLabel(this.status.state);
    }

    get timeInState() {
        return this.status.since
            ? formatDuration(secondsIn(this.status.sinceMs, this.clock.now))
            : "";
    }

    get availableLabel() {
        return this.status.state === "wrap_up" ? _t("End wrap-up") : _t("Available");
    }

    get showQuota() {
        const quota = this.status.quota;
        return quota.off || quota.minimum > 0;
    }

    get earnings() {
        return formatAmount(this.status.earnings);
    }

    isCurrentBreak(reason) {
        return (
            this.status.state === "break" && this.status.break_reason === reason.name
        );
    }

    /**
     * @param {string} state
     * @param {{id: number}} [reason] why the agent takes a break
     */
    async setState(state, reason) {
        this.dropdown.close();
        this.state.busy = true;
        try {
            await this.orm.call("cc.presence.log", "action_set_my_state", [state], {
                break_reason_id: reason ? reason.id : false,
            });
        } catch (error) {
            this.notifyServerError(error);
            return;
        } finally {
            this.state.busy = false;
        }
        await this.load();
    }

    async registerDevice() {
        const token = generateDeviceToken();
        this.state.busy = true;
        try {
            await this.orm.call("cc.agent.device", "action_register_my_device", [
                token,
                this.state.deviceName,
                this.state.deviceKind,
            ]);
        } catch (error) {
            this.notifyServerError(error);
            return;
        } finally {
            this.state.busy = false;
        }
        storeDeviceToken(user.userId, token);
        this.state.deviceName = "";
        this.notification.add(_t("This device is now registered as yours."), {
            type: "success",
        });
        await this.load();
    }

    async openAction(xmlId) {
        this.dropdown.close();
        await this.action.doAction(xmlId);
    }
}

registry
    .category("systray")
    .add("cc_agent.presence", {Component: PresenceSystray}, {sequence: 90});
