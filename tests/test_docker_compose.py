"""docker-compose.yml, the Dockerfile and config/ hold together.

Docker cannot run on the machines that test this project, so these tests read
the files instead: every mounted path and referenced file exists, the services
are wired as the README says, and the FreeSWITCH configuration keeps its Event
Socket closed to everyone but the listener.
"""

import configparser
import ipaddress
import re
import unittest
from pathlib import Path
from xml.etree import ElementTree

import yaml

ROOT = Path(__file__).resolve().parent.parent
ESL_CONF = "config/freeswitch/autoload_configs/event_socket.conf.xml"


def freeswitch_xml(relative):
    """Parses a FreeSWITCH config file the way FreeSWITCH includes it: as a
    fragment of a bigger document (X-PRE-PROCESS lines may sit beside the root)."""
    text = (ROOT / relative).read_text(encoding="utf-8")
    return ElementTree.fromstring(f"<document>{text}</document>")


def params(element):
    return {param.get("name"): param.get("value") for param in element.iter("param")}


class TestDockerCompose(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.compose = yaml.safe_load(
            (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
        )
        cls.services = cls.compose["services"]

    def test_the_four_services(self):
        self.assertEqual(set(self.services), {"db", "odoo", "freeswitch", "listener"})
        self.assertEqual(self.services["db"]["image"], "postgres:16")

    def test_every_mounted_path_exists(self):
        mounts = 0
        for name, service in self.services.items():
            for volume in service.get("volumes", []):
                source = volume.split(":")[0]
                if source.startswith("."):
                    mounts += 1
                    with self.subTest(service=name, volume=volume):
                        self.assertTrue(
                            (ROOT / source).exists(), f"{source} is missing"
                        )
                else:
                    self.assertIn(
                        source, self.compose["volumes"], f"{name}: unknown volume"
                    )
        self.assertGreaterEqual(mounts, 9)

    def test_odoo_image_is_the_official_one_with_our_dependencies(self):
        self.assertEqual(self.services["odoo"]["build"], ".")
        dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
        self.assertRegex(dockerfile, r"(?m)^FROM odoo:18\.0$")
        for copied in re.findall(r"(?m)^COPY (.+) \S+$", dockerfile):
            for source in copied.split():
                self.assertTrue(
                    (ROOT / source).is_file(), f"Dockerfile copies missing {source}"
                )
        self.assertIn("-r /tmp/cc-suite/requirements.txt", dockerfile)
        self.assertRegex(
            dockerfile, r"--no-deps\s*\\?\s*-r /tmp/cc-suite/requirements-oca.txt"
        )

    def test_addons_and_config_are_mounted_where_odoo_looks(self):
        odoo = self.services["odoo"]
        self.assertIn("./addons:/mnt/extra-addons:ro", odoo["volumes"])
        self.assertIn("./config/odoo.conf:/etc/odoo/odoo.conf:ro", odoo["volumes"])
        conf = configparser.ConfigParser()
        conf.read(ROOT / "config" / "odoo.conf", encoding="utf-8")
        addons_path = conf["options"]["addons_path"].split(",")
        self.assertEqual(addons_path[0], "/mnt/extra-addons")
        self.assertIn(
            "/usr/local/lib/python3.12/dist-packages/odoo/addons", addons_path
        )
        self.assertEqual(conf["options"]["gevent_port"], "8072")
        self.assertIn("8072:8072", odoo["ports"])

    def test_listener_runs_the_odoo_image_beside_freeswitch(self):
        listener = self.services["listener"]
        self.assertEqual(listener["image"], self.services["odoo"]["image"])
        command = listener["command"]
        self.assertEqual(command[0], "odoo")
        # odoo-bin finds an addon's sub-command only with --addons-path first.
        self.assertTrue(command[1].startswith("--addons-path=/mnt/extra-addons,"))
        self.assertEqual(command[2], "cc_listener")
        self.assertEqual(
            command[3], "--database=${ODOO_DATABASE:?set ODOO_DATABASE in .env}"
        )
        addons_path = command[1].split("=", 1)[1]
        conf = configparser.ConfigParser()
        conf.read(ROOT / "config" / "odoo.conf")
        self.assertEqual(addons_path, conf["options"]["addons_path"])
        self.assertEqual(listener["volumes"], self.services["odoo"]["volumes"])
        self.assertNotIn("ports", listener)
        self.assertIn("telephony", listener["networks"])
        self.assertIn("backend", listener["networks"])

    def test_event_socket_only_reachable_by_the_listener(self):
        freeswitch = self.services["freeswitch"]
        environment = freeswitch["environment"]
        listener_ip = ipaddress.ip_address(
            self.services["listener"]["networks"]["telephony"]["ipv4_address"]
        )
        freeswitch_ip = freeswitch["networks"]["telephony"]["ipv4_address"]
        self.assertIn(
            listener_ip, ipaddress.ip_network(environment["FREESWITCH_LISTENER_CIDR"])
        )
        self.assertEqual(environment["FREESWITCH_ESL_LISTEN_IP"], freeswitch_ip)
        self.assertFalse(
            [port for port in freeswitch.get("ports", []) if "8021" in str(port)],
            "the Event Socket must not be published",
        )

    def test_every_required_secret_is_in_env_example(self):
        text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
        required = set(re.findall(r"\$\{(\w+):\?", text))
        self.assertIn("FREESWITCH_ESL_PASSWORD", required)
        self.assertIn("POSTGRES_PASSWORD", required)
        example = (ROOT / ".env.example").read_text(encoding="utf-8")
        for variable in required:
            self.assertRegex(example, rf"(?m)^{variable}=\S+")


class TestFreeswitchConfig(unittest.TestCase):
    def test_event_socket(self):
        settings = params(freeswitch_xml(ESL_CONF))
        self.assertNotIn(settings["listen-ip"], ("0.0.0.0", "::", ""))
        self.assertEqual(settings["listen-ip"], "$${cc_esl_listen_ip}")
        # No password in the file, FreeSWITCH's well-known default least of all.
        self.assertEqual(settings["password"], "$${cc_esl_password}")
        self.assertNotIn(
            'value="ClueCon"', (ROOT / ESL_CONF).read_text(encoding="utf-8")
        )
        acl = freeswitch_xml("config/freeswitch/autoload_configs/acl.conf.xml")
        lists = {element.get("name"): element for element in acl.iter("list")}
        self.assertIn(settings["apply-inbound-acl"], lists)
        listener_list = lists[settings["apply-inbound-acl"]]
        self.assertEqual(listener_list.get("default"), "deny")

    def test_environment_variables_of_the_config_are_set_by_compose(self):
        compose = yaml.safe_load(
            (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
        )
        environment = compose["services"]["freeswitch"]["environment"]
        for path in (ROOT / "config" / "freeswitch").rglob("*.xml"):
            for variable in re.findall(
                r'cmd="env-set" data="\w+=\$(\w+)"', path.read_text()
            ):
                self.assertIn(variable, environment, f"{path.name} reads ${variable}")

    def test_callcenter_queues_and_modules(self):
        modules = {
            load.get("module")
            for load in freeswitch_xml(
                "config/freeswitch/autoload_configs/modules.conf.xml"
            ).iter("load")
        }
        self.assertTrue({"mod_callcenter", "mod_event_socket", "mod_sofia"} <= modules)
        callcenter = freeswitch_xml(
            "config/freeswitch/autoload_configs/callcenter.conf.xml"
        )
        queues = {queue.get("name") for queue in callcenter.iter("queue")}
        self.assertEqual(
            queues, {"support@default", "sales@default", "collections@default"}
        )
        dialplan = freeswitch_xml("config/freeswitch/dialplan/cc_suite_public.xml")
        targets = {
            action.get("data")
            for action in dialplan.iter("action")
            if action.get("application") == "callcenter"
        }
        self.assertEqual(targets, queues)

    def test_dialplan_sets_what_odoo_reads(self):
        """Every channel variable the listener reads (variable_cc_* in
        cc_call.py) is set by the dialplan, and the call is recorded where
        cc_recording_path says, after the notice."""
        source = (ROOT / "addons/cc_telephony/models/cc_call.py").read_text()
        # cc_side and cc_call_id are set by Odoo's own originate (click-to-dial).
        read = set(re.findall(r'"variable_(cc_[a-z_]+)"', source)) - {
            "cc_side",
            "cc_call_id",
        }
        self.assertEqual(
            read, {"cc_recording_path", "cc_recording_notice", "cc_service_type"}
        )
        dialplan = freeswitch_xml("config/freeswitch/dialplan/cc_suite_public.xml")
        actions = [
            (a.get("application"), a.get("data")) for a in dialplan.iter("action")
        ]
        sets = {data.split("=", 1)[0] for app, data in actions if app == "set"}
        self.assertLessEqual(read, sets)
        order = [app for app, _data in actions]
        self.assertLess(order.index("playback"), order.index("record_session"))
        record = next(data for app, data in actions if app == "record_session")
        self.assertTrue(record.endswith("/${cc_recording_path}"))


if __name__ == "__main__":
    unittest.main()
