import {isSameNumber} from "./phone_number.esm";

// The states of a pop card whose call still waits for an agent.
const WAITING_CALL_STATES = ["ringing", "offering"];

/**
 * Whether the softphone's ringing or current call is the call of a pop card:
 * the card it was answered from, else the card of the same caller's number,
 * else, while the softphone rings and no card has its number, the only card
 * of an incoming call waiting for an answer.
 *
 * Pass the components' reactive views of the states, so that the card shows
 * what changes.
 *
 * @param {Object} softphone the softphone service's state
 * @param {Object} call a pop card's call
 * @param {Object[]} cards every card shown
 * @returns {boolean}
 */
export function isSoftphoneCallOf(softphone, call, cards) {
    const current = softphone.call;
    if (!current || !["ringing", "in_call"].includes(softphone.status)) {
        return false;
    }
    if (current.callId) {
        return current.callId === call.call_id;
    }
    // The card of an ended call (kept a while, or by the agent) is never the
    // ringing one, though the same customer calls again.
    const isSameCaller = (card) =>
        card.state !== "ended" &&
        (isSameNumber(current.number, card.number_e164) ||
            isSameNumber(current.number, card.number));
    if (isSameCaller(call)) {
        return true;
    }
    if (softphone.status !== "ringing" || cards.some(isSameCaller)) {
        return false;
    }
    const waiting = cards.filter(
        (card) =>
            card.direction === "inbound" && WAITING_CALL_STATES.includes(card.state)
    );
    return waiting.length === 1 && waiting[0].call_id === call.call_id;
}
