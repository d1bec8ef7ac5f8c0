import {registry} from "@web/core/registry";
import {stepUtils} from "@web_tour/tour_service/tour_utils";

// A manager opens the Call Center app and finds the demo agents, and only them.
registry.category("web_tour.tours").add("cc_agent_manager_opens_agents", {
  url: "/odoo",
  steps: () => [
    stepUtils.showAppsMenuItem(),
    {
      trigger: ".o_app[data-menu-xmlid='cc_agent.cc_menu_root']",
      run: "click",
    },
    {
      trigger: ".o_breadcrumb:contains('Agents')",
    },
    {
      trigger: ".o_list_view .o_data_row:contains('Sara Al-Qahtani')",
    },
    {
      trigger: ".o_list_view .o_data_row:contains('Fahad Al-Harbi')",
    },
    {
      // Noura supervises; she is not an agent.
      trigger: ".o_list_view:not(:has(.o_data_row:contains('Noura Al-Otaibi')))",
    },
  ],
});
