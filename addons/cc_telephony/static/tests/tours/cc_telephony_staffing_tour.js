import {registry} from "@web/core/registry";

const ROW = ".o_data_row:has(td:contains('Support'))";

// The agent answers an invitation to fill a staffing gap from My Invitations:
// Accept, and it leaves the invitations to answer.
registry.category("web_tour.tours").add("cc_telephony_staffing_invitation", {
    steps: () => [
        {
            content: "The invitation waits for an answer",
            trigger: `${ROW} .badge:contains('Sent')`,
        },
        {
            content: "Accept it",
            trigger: `${ROW} button[name='action_accept']`,
            run: "click",
        },
        {
            content: "Nothing is left to answer",
            trigger: ".o_view_nocontent",
        },
    ],
});
