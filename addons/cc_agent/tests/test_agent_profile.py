from odoo.exceptions import AccessError, ValidationError
from odoo.tools.safe_eval import safe_eval

from .common import CallCenterCase

# From the reference (phonenumbers 9.0.43, region SA).
VALID_PHONES = {
    "0501234567": "+966501234567",
    "+966551234567": "+966551234567",
    "00966541234567": "+966541234567",
    "٠٥٠١٢٣٤٥٦٧": "+966501234567",
    "0112345678": "+966112345678",
    "920012345": "+966920012345",
    "8001234567": "+9668001234567",
}
INVALID_PHONES = ["0521234567", "050123456", "+966 5012 3456"]


class TestAgentProfile(CallCenterCase):
    def test_an_agent_needs_a_user(self):
        with self.assertRaisesNaming(ValidationError, "Related User"):
            self.env["hr.employee"].create({"name": "No Login", "is_cc_agent": True})
        with self.assertRaisesNaming(ValidationError, "Related User"):
            self.agent.user_id = False

    def test_an_employee_who_is_not_an_agent_needs_no_user(self):
        employee = self.env["hr.employee"].create({"name": "Back Office"})
        self.assertFalse(employee.is_cc_agent)
        self.assertFalse(employee.cc_agent_code)

    def test_agents_get_a_code_from_the_sequence(self):
        self.assertRegex(self.agent.cc_agent_code, r"^AG\d{4}$")
        self.assertNotEqual(self.agent.cc_agent_code, self.agent_2.cc_agent_code)
        employee = self.env["hr.employee"].create(
            {"name": "Later Agent", "user_id": self.user_internal.id}
        )
        self.assertFalse(employee.cc_agent_code)
        employee.is_cc_agent = True
        self.assertRegex(employee.cc_agent_code, r"^AG\d{4}$")

    def test_national_id_and_iqama(self):
        for value in ("1000000008", "1012345672", "2012345670"):
            self.agent.identification_id = value
            self.assertEqual(self.agent.identification_id, value)
        # Arabic-Indic digits, as typed on an Arabic keyboard, are stored as digits.
        self.agent.identification_id = "١٠١٢٣٤٥٦٧٢"
        self.assertEqual(self.agent.identification_id, "1012345672")
        cases = {
            "1000000000": "check digit",
            "3000000001": "start with 1",
            "100000000": "10 digits",
            "10000A0008": "digits only",
        }
        for value, reason in cases.items():
            with self.assertRaisesNaming(
                ValidationError, "Identification No"
            ) as caught:
                self.agent.identification_id = value
            self.assertIn(reason, str(caught.exception))
            self.assertIn(value, str(caught.exception))

    def test_other_employees_keep_foreign_ids(self):
        employee = self.env["hr.employee"].create(
            {"name": "Consultant", "identification_id": "P1234567"}
        )
        self.assertEqual(employee.identification_id, "P1234567")

    def test_mobile_normalized_to_e164(self):
        for typed, e164 in VALID_PHONES.items():
            self.agent.mobile_phone = typed
            self.assertEqual(self.agent.mobile_phone, e164, typed)
        for typed in INVALID_PHONES:
            with self.assertRaisesNaming(ValidationError, "Work Mobile") as caught:
                self.agent.mobile_phone = typed
            self.assertIn(typed, str(caught.exception))
        self.assertEqual(self.agent.mobile_phone, "+9668001234567")

    def test_mobile_given_when_becoming_an_agent(self):
        employee = self.env["hr.employee"].create(
            {
                "name": "Newcomer",
                "user_id": self.user_internal.id,
                "mobile_phone": "0551234567",
            }
        )
        self.assertEqual(employee.mobile_phone, "0551234567")
        employee.is_cc_agent = True
        self.assertEqual(employee.mobile_phone, "+966551234567")

    def test_freeswitch_agent_id(self):
        self.agent.cc_extension = "٧٠٠١"
        self.assertEqual(self.agent.cc_extension, "7001")
        with self.assertRaisesNaming(ValidationError, "FreeSWITCH Agent ID"):
            self.agent_2.cc_extension = "10x1"

    def test_manager_sets_an_agent_up(self):
        employee = (
            self.env["hr.employee"]
            .with_user(self.user_manager)
            .create(
                {
                    "name": "New Agent",
                    "user_id": self.user_internal.id,
                    "is_cc_agent": True,
                }
            )
        )
        self.assertTrue(employee.is_cc_agent)
        action = self.env.ref("cc_agent.hr_employee_action_cc_agent")
        agents = (
            self.env["hr.employee"]
            .with_user(self.user_manager)
            .search(safe_eval(action.domain))
        )
        self.assertIn(employee, agents)

    def test_agent_cannot_make_anyone_an_agent(self):
        with self.assertRaises(AccessError):
            self.env["hr.employee"].with_user(self.user_agent).create(
                {"name": "Sneaky", "user_id": self.user_agent.id, "is_cc_agent": True}
            )
        with self.assertRaises(AccessError):
            self.agent_2.with_user(self.user_agent).write({"is_cc_agent": False})
