import {Component, onWillStart, useState} from "@odoo/owl";
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
import {
    isBreakOverrun,
    parseSince,
    presenceLabel,
    secondsIn,
} from "@cc_agent/core/presence.esm";
import {QuotaProgress} from "@cc_agent/core/quota_progress.esm";

// How often the board reloads the handled counts, which change without a
// notification.
const REFRESH_INTERVAL = 60000;

/**
 * The supervisor board: how many agents are in each state, and each agent's
 * state, time in it and progress toward the day's minimum. States change live
 * from the server's notifications; the rest is reloaded every minute.
 */
export class SupervisorBoard extends Component {
    static template = "cc_agent.SupervisorBoard";
    static components = {Layout, QuotaProgress};
    static props = {...standardActionServiceProps};

    setup() {
        this.orm = useService("orm");
        this.ui = useState(useService("ui"));
        this.notifyServerError = useServerErrorNotification();
        this.clock = useClock();
        this.state = useState({loaded: false, agents: [], states: []});
        onWillStart(() => this.load());
        useInterval(() => this.load(), REFRESH_INTERVAL);
        usePresenceNotifications((payload) => this.onPresenceNotification(payload));
    }

    async load() {
        let board = null;
        try {
            board = await this.orm.call("cc.presence.log", "get_board", []);
        } catch (error) {
            this.notifyServerError(error);
            return;
        }
        this.state.agents = board.agents.map((agent) => ({
            ...agent,
            sinceMs: parseSince(agent.since),
        }));
        this.state.states = board.states;
        this.state.loaded = true;
    }

    onPresenceNotification(payload) {
        const agent = this.state.agents.find(
            (row) => row.agent_id === payload.agent_id
        );
        if (!agent) {
            // Not on this board (another team), or new: the next reload shows it.
            return;
        }
        Object.assign(agent, {
            state: payload.state,
            break_reason: payload.break_reason,
            since: payload.since,
            sinceMs: parseSince(payload.since),
            break_minutes: payload.break_minutes || 0,
        });
    }

    /**
     * The number of agents in each state, counted from the rows so that a
     * notification updates both at once.
     *
     * @returns {{key: string, label: string, count: number}[]}
     */
    get totals() {
        return this.state.states.map(([key, label]) => ({
            key,
            label,
            count: this.state.agents.filter((agent) => agent.state === key).length,
        }));
    }

    stateLabel(state) {
        const found = this.state.states.find(([key]) => key === state);
        return found ? found[1] : presenceLabel(state);
    }

    timeInState(agent) {
        return agent.since
            ? formatDuration(secondsIn(agent.sinceMs, this.clock.now))
            : "";
    }

    isOverrun(agent) {
        return isBreakOverrun(agent, this.clock.now);
    }
}

registry.category("actions").add("cc_agent.supervisor_board", SupervisorBoard);
