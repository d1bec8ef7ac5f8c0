import {registry} from "@web/core/registry";
import {user} from "@web/core/user";
import {patch} from "@web/core/utils/patch";
import {storeDeviceToken} from "@cc_agent/core/device_token.esm";
import {microphone} from "@cc_telephony/softphone/microphone.esm";
import {sipLibrary} from "@cc_telephony/softphone/sip_library.esm";
import {FakeSip, makeFakeMicrophone} from "@cc_telephony/../tests/helpers/fake_sip";

// The key of Amal's registered device (DEVICE_TOKEN of tests/common.py).
const DEVICE_TOKEN = "d".repeat(40);
const CARD =
    ".o_cc_call_popup:has(.o_cc_call_popup_name:contains('Mohammed Al-Ghamdi'))";

// The phone system at the SIP library's boundary, and the microphone: set
// when the tour starts, undone when it ends.
let sip = null;
const unpatches = [];

// Amal goes Available: her softphone registers. A call is offered to her:
// its card pops up and the softphone rings; she answers from the card, then
// hangs up from it.
registry.category("web_tour.tours").add("cc_telephony_softphone_answer_from_pop", {
    url: "/odoo",
    steps: () => [
        {
            content: "The vendored SIP library loads on demand",
            trigger: ".o_cc_presence_toggle .o_cc_presence_state:contains('Offline')",
            async run() {
                if (window.JsSIP) {
                    throw new Error("JsSIP is loaded before an agent goes online");
                }
                const JsSIP = await sipLibrary.load();
                // A user agent is made as the softphone makes it (it connects
                // only once started).
                const ua = new JsSIP.UA({
                    sockets: [
                        new JsSIP.WebSocketInterface("wss://pbx.example.com:7443"),
                    ],
                    uri: "sip:1001@pbx.example.com",
                    password: "not-used",
                    register: true,
                });
                if (JsSIP.version !== "3.10.9" || ua.isRegistered()) {
                    throw new Error(`Unexpected JsSIP ${JsSIP.version}`);
                }
            },
        },
        {
            content: "This browser is Amal's registered device",
            trigger: ".o_cc_presence_toggle .o_cc_presence_state:contains('Offline')",
            run() {
                storeDeviceToken(user.userId, DEVICE_TOKEN);
                sip = new FakeSip();
                unpatches.push(
                    patch(sipLibrary, {
                        async load() {
                            return sip;
                        },
                    }),
                    patch(microphone, makeFakeMicrophone())
                );
            },
        },
        {
            content: "The call offered to Amal pops up",
            trigger: `${CARD} .o_cc_call_popup_state:contains('Incoming call')`,
        },
        {
            content: "Open the presence menu",
            trigger: ".o_cc_presence_toggle",
            run: "click",
        },
        {
            content: "Go available",
            trigger: ".o_cc_presence_menu .o_cc_presence_set[data-state='available']",
            run: "click",
        },
        {
            content: "The softphone registers; FreeSWITCH rings it",
            trigger: ".o_cc_softphone[data-status='registered']",
            run() {
                sip.ua.receiveCall({number: "0501234567", name: "Mohammed Al-Ghamdi"});
            },
        },
        {
            content: "The softphone rings",
            trigger: ".o_cc_softphone[data-status='ringing']",
        },
        {
            content: "Answer from the card",
            trigger: `${CARD} .o_cc_call_popup_answer`,
            run: "click",
        },
        {
            content: "The call is on",
            trigger: ".o_cc_softphone[data-status='in_call'] .o_cc_softphone_duration",
        },
        {
            content: "Hang up from the card",
            trigger: `${CARD} .o_cc_call_popup_hangup:contains('Hang up')`,
            run: "click",
        },
        {
            content: "The softphone is ready for the next call",
            trigger: ".o_cc_softphone[data-status='registered']",
        },
        {
            content: "The card keeps the call, without the phone's buttons",
            trigger: `${CARD}:not(:has(.o_cc_call_popup_softphone))`,
            run() {
                for (const unpatch of unpatches.splice(0)) {
                    unpatch();
                }
            },
        },
    ],
});
