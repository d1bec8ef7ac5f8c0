import {registry} from "@web/core/registry";

const SUBJECT = "Refund of 2,400 SAR after a meter fault";

// The agent cannot resolve a refund above her limit: she escalates it.
registry.category("web_tour.tours").add("cc_ticket_agent_escalates", {
    url: "/odoo/action-cc_ticket.cc_ticket_action_my?view_type=list",
    steps: () => [
        {
            trigger: `.o_list_view .o_data_row:contains('${SUBJECT}') .o_data_cell[name='subject']`,
            run: "click",
        },
        {
            trigger:
                ".o_form_view .o_statusbar_buttons button[name='action_open_escalate']",
            run: "click",
        },
        {
            trigger: ".modal div[name='reason'] textarea",
            run: "edit Refund above my 500 SAR limit",
        },
        {
            trigger: ".modal footer button[name='action_confirm']",
            run: "click",
        },
        {
            trigger:
                ".o_statusbar_status .o_arrow_button_current:contains('Escalated')",
        },
        {
            trigger: ".o_notebook .nav-link:contains('Escalations')",
            run: "click",
        },
        {
            trigger:
                ".o_field_one2many .o_data_row:contains('Refund above my 500 SAR limit')",
        },
    ],
});

// The department accepts the request and resolves it for the customer.
registry.category("web_tour.tours").add("cc_ticket_department_resolves", {
    url: "/odoo/action-cc_ticket.cc_ticket_action_department?view_type=list",
    steps: () => [
        {
            trigger: `.o_list_view .o_data_row:contains('${SUBJECT}') .o_data_cell[name='subject']`,
            run: "click",
        },
        {
            trigger:
                ".o_form_view .o_statusbar_buttons button[name='action_department_accept']",
            run: "click",
        },
        {
            trigger:
                ".o_form_view .o_statusbar_buttons button[name='action_department_resolve']",
            run: "click",
        },
        {
            trigger: ".o_statusbar_status .o_arrow_button_current:contains('Resolved')",
        },
    ],
});
