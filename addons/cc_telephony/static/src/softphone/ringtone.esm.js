import {browser} from "@web/core/browser/browser";

// A ring as a phone line sounds it: two short bursts of two mixed tones,
// then a pause; made by WebAudio, no sound file to load.
const FREQUENCIES = [440, 480];
const BURSTS = [
    [0, 0.4],
    [0.6, 1.0],
];
const PERIOD = 3000;
const VOLUME = 0.15;
// Short fades so that a burst does not click.
const FADE = 0.02;

/** The ringing of an incoming call. */
export class Ringtone {
    context = null;
    interval = null;

    get isRinging() {
        return Boolean(this.context);
    }

    start() {
        if (this.context || !browser.AudioContext) {
            return;
        }
        try {
            this.context = new browser.AudioContext();
        } catch {
            // No sound device: the call still shows and notifies.
            return;
        }
        // A page the agent has not touched yet starts its audio suspended;
        // resuming is all that can be done.
        this.context.resume().catch(() => {});
        this.ring();
        this.interval = browser.setInterval(() => this.ring(), PERIOD);
    }

    stop() {
        browser.clearInterval(this.interval);
        this.interval = null;
        this.context?.close().catch(() => {});
        this.context = null;
    }

    ring() {
        const context = this.context;
        const start = context.currentTime;
        const gain = context.createGain();
        gain.gain.setValueAtTime(0, start);
        for (const [from, to] of BURSTS) {
            gain.gain.setValueAtTime(0, start + from);
            gain.gain.linearRampToValueAtTime(VOLUME, start + from + FADE);
            gain.gain.setValueAtTime(VOLUME, start + to - FADE);
            gain.gain.linearRampToValueAtTime(0, start + to);
        }
        gain.connect(context.destination);
        const end = start + BURSTS.at(-1)[1];
        for (const frequency of FREQUENCIES) {
            const oscillator = context.createOscillator();
            oscillator.frequency.value = frequency;
            oscillator.connect(gain);
            oscillator.start(start);
            oscillator.stop(end);
        }
    }
}

/** The softphone's ringtone; tests patch it to hear nothing. */
export const ringtone = new Ringtone();
