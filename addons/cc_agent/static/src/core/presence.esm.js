import {_t} from "@web/core/l10n/translation";
import {deserializeDateTime} from "@web/core/l10n/dates";

/**
 * The label of a presence state, in the user's language.
 *
 * @param {string} state offline, available, on_call, wrap_up or break
 * @returns {string}
 */
export function presenceLabel(state) {
    switch (state) {
        case "available":
            return _t("Available");
        case "on_call":
            return _t("On call");
        case "wrap_up":
            return _t("Wrap-up");
        case "break":
            return _t("Break");
        default:
            return _t("Offline");
    }
}

/**
 * When a state began, as milliseconds since the epoch.
 *
 * @param {string|false} since UTC "YYYY-MM-DD HH:MM:SS" from the server
 * @returns {number|null} null when the agent has no state yet
 */
export function parseSince(since) {
    return since ? deserializeDateTime(since).toMillis() : null;
}

/**
 * Whole seconds spent in a state.
 *
 * @param {number|null} sinceMs from parseSince
 * @param {number} now milliseconds since the epoch
 * @returns {number}
 */
export function secondsIn(sinceMs, now) {
    return sinceMs === null ? 0 : Math.max(0, Math.floor((now - sinceMs) / 1000));
}

/**
 * Whether a break lasts longer than its reason allows.
 *
 * @param {{state: string, break_minutes: number, sinceMs: number|null}} agent
 * @param {number} now milliseconds since the epoch
 * @returns {boolean}
 */
export function isBreakOverrun(agent, now) {
    return (
        agent.state === "break" &&
        agent.break_minutes > 0 &&
        agent.sinceMs !== null &&
        secondsIn(agent.sinceMs, now) > agent.break_minutes * 60
    );
}
