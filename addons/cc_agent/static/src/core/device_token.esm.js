import {browser} from "@web/core/browser/browser";

/**
 * The secret that identifies this browser as one of the agent's registered
 * devices. It is kept per user, so that agents sharing a computer each
 * register it for themselves.
 */
function storageKey(userId) {
    return `cc_agent.device_token.${userId}`;
}

/**
 * A new random device secret: 32 random bytes as 64 hexadecimal characters.
 *
 * @returns {string}
 */
export function generateDeviceToken() {
    const bytes = new Uint8Array(32);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/**
 * @param {number} userId
 * @returns {string|null}
 */
export function readDeviceToken(userId) {
    return browser.localStorage.getItem(storageKey(userId));
}

/**
 * @param {number} userId
 * @param {string} token
 */
export function storeDeviceToken(userId, token) {
    browser.localStorage.setItem(storageKey(userId), token);
}
