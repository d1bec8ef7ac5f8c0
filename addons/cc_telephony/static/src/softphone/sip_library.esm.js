import {loadBundle} from "@web/core/assets";

/**
 * The SIP library of the softphone (JsSIP, vendored in static/lib/jssip and
 * built by `npm run build:jssip`), loaded on demand: only agents who go
 * Available download it, once.
 *
 * This object is the softphone's only way to the library: tests and tours
 * patch ``load`` to give a fake with the same interface (``UA``,
 * ``WebSocketInterface``, ``debug``).
 */
export const sipLibrary = {
    async load() {
        await loadBundle("cc_telephony.assets_jssip");
        const JsSIP = window.JsSIP;
        // JsSIP logs through "debug", which a stale localStorage.debug could
        // turn on: nothing of the SIP traffic goes to the console.
        JsSIP.debug.disable();
        return JsSIP;
    },
};
