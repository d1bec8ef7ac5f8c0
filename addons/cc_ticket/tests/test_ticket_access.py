from odoo.exceptions import AccessError

from .common import TicketCase


class TestTicketAccess(TicketCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_service = cls.ServiceType.create({"name": "Other", "code": "T_OTHER"})
        cls.mine = cls._ticket(
            cls, subject="Mine", service_type_id=cls.other_service.id
        )
        cls.handled = cls._ticket(cls, subject="Handled", owner_id=cls.agent_2.id)
        cls.theirs = cls._ticket(
            cls,
            subject="Theirs",
            owner_id=cls.agent_2.id,
            service_type_id=cls.other_service.id,
        )
        cls.unassigned = cls._ticket(
            cls,
            subject="Unassigned",
            owner_id=False,
            service_type_id=cls.other_service.id,
        )
        cls.escalated = cls._ticket(
            cls,
            subject="Escalated",
            owner_id=cls.agent_2.id,
            service_type_id=cls.service_escalate.id,
        )
        cls.escalated._escalate(cls.department, "Please decide")
        cls.all = cls.mine | cls.handled | cls.theirs | cls.unassigned | cls.escalated

    def _visible(self, user):
        return (
            self.env["cc.ticket"].with_user(user).search([("id", "in", self.all.ids)])
        )

    def test_agent_sees_own_and_handled_services(self):
        self.assertEqual(self._visible(self.user_agent), self.mine | self.handled)
        with self.assertRaises(AccessError):
            self.theirs.with_user(self.user_agent).read(["subject"])
        with self.assertRaises(AccessError):
            self.escalated.escalation_ids.with_user(self.user_agent).read(["reason"])

    def test_other_agent(self):
        self.assertEqual(
            self._visible(self.user_agent_2),
            self.handled | self.theirs | self.escalated,
        )

    def test_supervisor_sees_team_and_unassigned(self):
        # Amal is Dana's team; Badr is nobody's.
        self.assertEqual(
            self._visible(self.user_supervisor), self.mine | self.unassigned
        )

    def test_department_sees_what_was_escalated_to_it(self):
        self.assertEqual(self._visible(self.user_department), self.escalated)
        self.assertEqual(
            self._visible(self.user_other_department), self.env["cc.ticket"]
        )
        self.assertEqual(
            self.escalated.escalation_ids.with_user(self.user_department).reason,
            "Please decide",
        )
        with self.assertRaises(AccessError):
            self.mine.with_user(self.user_department).read(["subject"])

    def test_manager_sees_everything(self):
        self.assertEqual(self._visible(self.user_manager), self.all)

    def test_agents_cannot_delete_requests(self):
        with self.assertRaises(AccessError):
            self.mine.with_user(self.user_agent).unlink()
