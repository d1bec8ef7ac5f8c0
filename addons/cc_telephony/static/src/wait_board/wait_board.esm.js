import {Component, onWillStart, onWillUnmount, useState} from "@odoo/owl";
import {browser} from "@web/core/browser/browser";
import {_t} from "@web/core/l10n/translation";
import {registry} from "@web/core/registry";
import {useService} from "@web/core/utils/hooks";
import {Layout} from "@web/search/layout";
import {standardActionServiceProps} from "@web/webclient/actions/action_service";
import {formatDuration} from "@cc_agent/core/duration.esm";
import {
    useClock,
    useInterval,
    usePresenceNotifications,
    useServerErrorNotification,
} from "@cc_agent/core/hooks.esm";
import {parseSince, secondsIn} from "@cc_agent/core/presence.esm";

// A ping from the server (waiting counts or agents' states changed) is
// followed by one reload a second later, whatever number of pings came
// meanwhile: the server pings at most once a second, and a change whose ping
// it held back is in that reload.
export const RELOAD_DELAY = 1000;
// The service level and the callbacks also change without a ping.
const REFRESH_INTERVAL = 60000;

/**
 * The supervisors' live wait board: a card per queue with the callers
 * waiting, the longest wait (ticking), today's service level, the callbacks
 * pending, the agents by state and the standby agents being summoned. Red
 * where a queue passes its thresholds. Made for a wall screen (large figures,
 * full screen) and a phone (the cards stack).
 */
export class WaitBoard extends Component {
    static template = "cc_telephony.WaitBoard";
    static components = {Layout};
    static props = {...standardActionServiceProps};

    setup() {
        this.orm = useService("orm");
        this.notifyServerError = useServerErrorNotification();
        this.clock = useClock();
        this.state = useState({
            loaded: false,
            queues: [],
            states: [],
            fullscreen: false,
        });
        // Server time minus this browser's, for the ticking waits.
        this.clockOffset = 0;
        this.reloadTimer = null;
        onWillStart(() => this.load());
        useInterval(() => this.load(), REFRESH_INTERVAL);
        const busService = useService("bus_service");
        const onPing = () => this.scheduleReload();
        busService.subscribe("cc_telephony/board", onPing);
        usePresenceNotifications(onPing);
        onWillUnmount(() => {
            busService.unsubscribe("cc_telephony/board", onPing);
            browser.clearTimeout(this.reloadTimer);
            this.leaveFullscreen();
        });
    }

    async load() {
        let board = null;
        try {
            board = await this.orm.call("cc.queue", "get_wait_board", []);
        } catch (error) {
            this.notifyServerError(error);
            return;
        }
        // The clock and the offset from the same instant: the waits shown
        // are the server's at once, then tick.
        this.clock.now = Date.now();
        this.clockOffset = parseSince(board.now) - this.clock.now;
        this.state.queues = board.queues.map((queue) => ({
            ...queue,
            oldestMs: parseSince(queue.oldest_since),
        }));
        this.state.states = board.states;
        this.state.loaded = true;
    }

    scheduleReload() {
        browser.clearTimeout(this.reloadTimer);
        this.reloadTimer = browser.setTimeout(() => this.load(), RELOAD_DELAY);
    }

    toggleFullscreen() {
        if (this.state.fullscreen) {
            this.leaveFullscreen();
            return;
        }
        this.state.fullscreen = true;
        const element = document.documentElement;
        if (document.fullscreenEnabled && !document.fullscreenElement) {
            // The browser may refuse (no user gesture, a kiosk): the board
            // still covers the window.
            element.requestFullscreen().catch(() => null);
        }
    }

    leaveFullscreen() {
        this.state.fullscreen = false;
        if (document.fullscreenElement) {
            document.exitFullscreen().catch(() => null);
        }
    }

    /**
     * Seconds the queue's longest waiting caller has waited, now.
     *
     * @param {Object} queue
     * @returns {number}
     */
    longestWait(queue) {
        return queue.oldestMs === null
            ? 0
            : secondsIn(queue.oldestMs, this.clock.now + this.clockOffset);
    }

    longestWaitText(queue) {
        return queue.oldestMs === null ? "—" : formatDuration(this.longestWait(queue));
    }

    isWaitingHigh(queue) {
        return queue.summon_waiting > 0 && queue.waiting >= queue.summon_waiting;
    }

    isWaitLong(queue) {
        return queue.summon_wait > 0 && this.longestWait(queue) >= queue.summon_wait;
    }

    isServiceLow(queue) {
        return queue.service_level !== null && queue.service_level < queue.sl_target;
    }

    isAlert(queue) {
        return this.isWaitingHigh(queue) || this.isServiceLow(queue);
    }

    serviceLevelText(queue) {
        return queue.service_level === null
            ? "—"
            : `${Math.round(queue.service_level)} %`;
    }

    serviceTargetText(queue) {
        return _t("target %(target)s % in %(seconds)s s", {
            target: Math.round(queue.sl_target),
            seconds: queue.sl_seconds,
        });
    }

    episodeText(queue) {
        return _t("%(accepted)s of %(wanted)s answered (%(summoned)s summoned)", {
            accepted: queue.episode.accepted,
            wanted: queue.episode.wanted,
            summoned: queue.episode.summoned,
        });
    }
}

registry.category("actions").add("cc_telephony.wait_board", WaitBoard);
