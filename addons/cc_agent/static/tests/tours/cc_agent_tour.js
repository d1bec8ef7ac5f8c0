import {registry} from "@web/core/registry";
import {stepUtils} from "@web_tour/tour_service/tour_utils";

// A manager opens the Call Center app on the supervisor board, then finds the
// demo agents, and only them, under Agents.
registry.category("web_tour.tours").add("cc_agent_manager_opens_agents", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            trigger: ".o_app[data-menu-xmlid='cc_agent.cc_menu_root']",
            run: "click",
        },
        {
            content: "The app opens on the board, which lists the agents",
            trigger: ".o_cc_board .o_cc_board_row:contains('Sara Al-Qahtani')",
        },
        {
            trigger: ".o_cc_board .o_cc_board_row:contains('Fahad Al-Harbi')",
        },
        {
            trigger:
                ".o_menu_sections [data-menu-xmlid='cc_agent.hr_employee_menu_cc_agent']",
            run: "click",
        },
        {
            trigger: ".o_breadcrumb:contains('Agents')",
        },
        {
            trigger:
                ".o_list_view .o_data_row .o_data_cell[name='name']:contains('Sara Al-Qahtani')",
        },
        {
            trigger:
                ".o_list_view .o_data_row .o_data_cell[name='name']:contains('Fahad Al-Harbi')",
        },
        {
            // Noura supervises (her name shows in the Supervisor column); she is
            // not an agent.
            trigger:
                ".o_list_view:not(:has(.o_data_row .o_data_cell[name='name']:contains('Noura Al-Otaibi')))",
        },
    ],
});
