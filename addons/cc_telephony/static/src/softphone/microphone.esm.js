import {browser} from "@web/core/browser/browser";

/**
 * The agent's microphone, the softphone's only way to it: tests and tours
 * patch these functions instead of the browser's media devices.
 */
export const microphone = {
    /**
     * Whether the browser lets the page use the microphone, without asking.
     *
     * @returns {Promise<"granted"|"prompt"|"denied">} "prompt" when the
     *      browser cannot tell
     */
    async permission() {
        try {
            const status = await browser.navigator.permissions.query({
                name: "microphone",
            });
            return status.state;
        } catch {
            return "prompt";
        }
    },

    /**
     * Opens the microphone (the browser asks the agent the first time).
     *
     * @returns {Promise<MediaStream>}
     */
    open() {
        return browser.navigator.mediaDevices.getUserMedia({audio: true, video: false});
    },
};

/**
 * Stops the tracks of a stream, which releases the microphone.
 *
 * @param {MediaStream|null} stream
 */
export function closeStream(stream) {
    for (const track of stream?.getTracks() || []) {
        track.stop();
    }
}
