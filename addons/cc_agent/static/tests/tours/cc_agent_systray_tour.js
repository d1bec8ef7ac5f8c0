import {registry} from "@web/core/registry";

// An agent (Sara, offline) goes Available from the systray, takes a prayer
// break, then goes Offline.
registry.category("web_tour.tours").add("cc_agent_systray_switch_state", {
    url: "/odoo",
    steps: () => [
        {
            trigger: ".o_cc_presence_toggle .o_cc_presence_state:contains('Offline')",
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
            trigger: ".o_cc_presence_toggle .o_cc_presence_state:contains('Available')",
        },
        {
            trigger: ".o_cc_presence_toggle .o_cc_state_dot.o_cc_state_available",
        },
        {
            trigger: ".o_cc_presence_toggle",
            run: "click",
        },
        {
            content: "Take a prayer break",
            trigger: ".o_cc_presence_menu .o_cc_presence_break:contains('Prayer')",
            run: "click",
        },
        {
            trigger: ".o_cc_presence_toggle .o_cc_presence_state:contains('Break')",
        },
        {
            trigger: ".o_cc_presence_toggle .o_cc_presence_reason:contains('Prayer')",
        },
        {
            trigger: ".o_cc_presence_toggle",
            run: "click",
        },
        {
            content: "Go offline",
            trigger: ".o_cc_presence_menu .o_cc_presence_set[data-state='offline']",
            run: "click",
        },
        {
            trigger: ".o_cc_presence_toggle .o_cc_presence_state:contains('Offline')",
        },
    ],
});
