from odoo import Command

from .common import CallCenterCase


class TestGroupsAndMenus(CallCenterCase):
    def test_roles_are_a_chain(self):
        """Manager > Supervisor > Agent > internal user, and nothing implies upwards."""
        self.assertTrue(self.user_manager.has_group("cc_agent.group_cc_supervisor"))
        self.assertTrue(self.user_manager.has_group("cc_agent.group_cc_agent"))
        self.assertTrue(self.user_supervisor.has_group("cc_agent.group_cc_agent"))
        self.assertFalse(self.user_supervisor.has_group("cc_agent.group_cc_manager"))
        self.assertFalse(self.user_agent.has_group("cc_agent.group_cc_supervisor"))
        self.assertFalse(self.user_internal.has_group("cc_agent.group_cc_agent"))
        for user in (self.user_agent, self.user_supervisor, self.user_manager):
            self.assertTrue(user.has_group("base.group_user"))

    def test_administrator_manages_the_call_centre(self):
        self.assertTrue(
            self.env.ref("base.user_admin").has_group("cc_agent.group_cc_manager")
        )

    def test_managers_set_agents_up_on_hr(self):
        """Agents are employees: only the manager's role brings HR rights with it."""
        self.assertTrue(self.user_manager.has_group("hr.group_hr_user"))
        self.assertFalse(self.user_supervisor.has_group("hr.group_hr_user"))
        self.assertFalse(self.user_agent.has_group("hr.group_hr_user"))

    def test_call_center_menu_by_role(self):
        root = self.env.ref("cc_agent.cc_menu_root")
        agents = self.env.ref("cc_agent.hr_employee_menu_cc_agent")
        Menu = self.env["ir.ui.menu"]
        visible_to_manager = Menu.with_user(self.user_manager)._visible_menu_ids()
        self.assertIn(root.id, visible_to_manager)
        self.assertIn(agents.id, visible_to_manager)
        self.assertNotIn(agents.id, Menu.with_user(self.user_agent)._visible_menu_ids())
        self.assertNotIn(
            root.id, Menu.with_user(self.user_internal)._visible_menu_ids()
        )

    def test_an_app_installed_later_does_not_raise_agents_rights(self):
        """Installing an app adds its groups to the template user, and Odoo
        gives them to every internal user (payroll: its managers' group):
        agents keep only what they had; the others get them as usual."""
        app_admins = self.env["res.groups"].create({"name": "Some App: Administrator"})
        self.env.ref("base.default_user").write(
            {"groups_id": [Command.link(app_admins.id)]}
        )
        self.assertNotIn(app_admins, self.user_agent.groups_id)
        self.assertNotIn(app_admins, self.user_agent_2.groups_id)
        self.assertIn(app_admins, self.user_supervisor.groups_id)
        self.assertIn(app_admins, self.user_internal.groups_id)
