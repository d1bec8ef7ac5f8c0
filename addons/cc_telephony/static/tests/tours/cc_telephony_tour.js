import {registry} from "@web/core/registry";

const CARD =
    ".o_cc_call_popup:has(.o_cc_call_popup_name:contains('Mohammed Al-Ghamdi'))";

// A call is offered to the agent: its card pops up by itself with the caller,
// and the agent makes a request for the call from it.
registry.category("web_tour.tours").add("cc_telephony_pop_shows_customer", {
    url: "/odoo",
    steps: () => [
        {
            content: "The offered call pops up with the customer",
            trigger: `${CARD} .o_cc_call_popup_state:contains('Incoming call')`,
        },
        {
            content: "Make a request for the call",
            trigger: `${CARD} .o_cc_call_popup_new_ticket`,
            run: "click",
        },
        {
            content: "The request opens, for the caller",
            trigger:
                ".o_form_view .o_field_widget[name='partner_id'] input:value(Mohammed Al-Ghamdi)",
        },
    ],
});
