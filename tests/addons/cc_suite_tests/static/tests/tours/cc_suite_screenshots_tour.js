import {registry} from "@web/core/registry";
import {storeDeviceToken} from "@cc_agent/core/device_token.esm";
import {user} from "@web/core/user";

// The screens of the README, each opened by its user, in English or in Arabic
// (the user's language): the steps wait for what the screen must show, then
// tests/test_screenshots.py captures it.

// Amal's registered device (DEVICE_TOKEN of test_screenshots.py).
const DEVICE_TOKEN = "s".repeat(40);

function arabic() {
    return user.lang.startsWith("ar");
}

function inLanguage(english, arabicText) {
    return arabic() ? arabicText : english;
}

function readsInLanguage() {
    return {
        content: "The web client reads in the user's direction",
        trigger: arabic() ? "body.o_rtl" : "body:not(.o_rtl)",
    };
}

// The last step of each tour: nothing is loading any more, and no error
// dialog covers the screen.
function loaded() {
    return {
        content: "Nothing left loading, no error",
        trigger: "body:not(:has(.o_loading_indicator)):not(:has(.o_error_dialog))",
    };
}

const tours = registry.category("web_tour.tours");

// Started on the agent's requests by the test.
tours.add("cc_suite_screenshot_screen_pop", {
    steps: () => [
        readsInLanguage(),
        {
            content: "The offered call pops up with the customer",
            trigger: `.o_cc_call_popup:has(.o_cc_call_popup_name:contains('Mohammed Al-Ghamdi')) .o_cc_call_popup_state:contains('${inLanguage("Incoming call", "مكالمة واردة")}')`,
        },
        {
            trigger: ".o_cc_call_popup .o_cc_call_popup_new_ticket",
        },
        loaded(),
    ],
});

// Started on the agent's requests by the test.
tours.add("cc_suite_screenshot_systray", {
    steps: () => [
        readsInLanguage(),
        {
            content: "This browser is Amal's registered device",
            trigger: ".o_cc_presence_toggle .o_cc_state_dot.o_cc_state_available",
            run() {
                storeDeviceToken(user.userId, DEVICE_TOKEN);
            },
        },
        {
            content: "Open the presence menu",
            trigger: ".o_cc_presence_toggle",
            run: "click",
        },
        {
            content: "Today's quota: 6 contacts handled of the 10 due",
            trigger: `.o_cc_presence_quota:contains('${inLanguage("Today's quota", "حصة اليوم")}') .o_cc_quota_count:contains('6 / 10')`,
        },
        {
            content: "What the 6 calls earned today, at 6 each",
            trigger: ".o_cc_presence_amount:contains('36.00')",
        },
        {
            content: "A registered device: no registration form",
            trigger: ".o_cc_presence_panel:not(:has(.o_cc_presence_device))",
        },
        loaded(),
    ],
});

tours.add("cc_suite_screenshot_supervisor_board", {
    url: "/odoo/action-cc_agent.cc_supervisor_board_action",
    steps: () => [
        readsInLanguage(),
        {
            trigger: ".o_cc_board .o_cc_board_row:contains('Sara Al-Qahtani')",
        },
        {
            trigger: ".o_cc_board .o_cc_board_row:contains('Fahad Al-Harbi')",
        },
        {
            content: "Amal, available, with her day's quota",
            trigger:
                ".o_cc_board .o_cc_board_row:contains('Agent Amal'):has(.o_cc_state_badge.o_cc_state_available):contains('6 / 10')",
        },
        {
            content: "The totals count her among the available agents",
            trigger: `.o_cc_board_total[data-state='available']:contains('${inLanguage("Available", "متاح")}')`,
        },
        loaded(),
    ],
});

tours.add("cc_suite_screenshot_wait_board", {
    url: "/odoo/action-cc_telephony.cc_queue_action_wait_board",
    steps: () => [
        readsInLanguage(),
        {
            content: "The Customer Care queue has its call waiting",
            trigger:
                ".o_cc_wait_board_queue:contains('Customer Care') .o_cc_wait_board_waiting:contains('1')",
        },
        loaded(),
    ],
});

// Started on the record by the test.
tours.add("cc_suite_screenshot_ticket", {
    steps: () => [
        readsInLanguage(),
        {
            content: "Open the escalation trail",
            trigger: `.o_form_view .o_notebook .nav-link:contains('${inLanguage("Escalations", "التصعيدات")}')`,
            run: "click",
        },
        {
            content: "Sent back once for the ID copy",
            trigger:
                ".o_field_one2many .o_data_row:contains('Please decide'):contains('Ask for the ID copy first')",
        },
        {
            content: "Escalated again, with the copy",
            trigger: ".o_field_one2many .o_data_row:contains('ID copy received')",
        },
        loaded(),
    ],
});

// Started on the record by the test.
tours.add("cc_suite_screenshot_payslip", {
    steps: () => [
        readsInLanguage(),
        {
            content: "The inbound calls of October, at 6 each",
            trigger:
                ".o_form_view .o_field_widget[name='line_ids'] .o_data_row:contains('210.00'):contains('1,260.00')",
        },
        {
            content: "The net pay",
            trigger:
                ".o_form_view .o_field_widget[name='line_ids'] .o_data_row:contains('1,113.75')",
        },
        loaded(),
    ],
});
