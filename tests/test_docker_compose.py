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
XML_CURL_CONF = "config/freeswitch/autoload_configs/xml_curl.conf.xml"
SIP_PROFILE = "config/freeswitch/sip_profiles/internal.xml"
AGENTS_DIALPLAN = "config/freeswitch/dialplan/cc_suite_agents.xml"
TELEPHONY = ROOT / "addons" / "cc_telephony"


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
        cc_call.py) is set by the dialplan (or by mod_callcenter itself), and
        the call is recorded where cc_recording_path says, after the notice."""
        source = (ROOT / "addons/cc_telephony/models/cc_call.py").read_text()
        # mod_callcenter sets its own on the caller's channel (seen in the
        # recorded queue call).
        by_callcenter = {
            "cc_agent",
            "cc_agent_bridged",
            "cc_cause",
            "cc_queue",
            "cc_queue_answered_epoch",
            "cc_queue_joined_epoch",
        }
        recorded = (
            ROOT / "addons/cc_telephony/tests/fixtures/esl/callcenter_plain.raw.txt"
        ).read_text()
        for name in by_callcenter:
            self.assertIn(f"\nvariable_{name}: ", recorded)
        # cc_side and cc_call_id are set by Odoo's own originate (click-to-dial).
        read = set(re.findall(r'"variable_(cc_[a-z_]+)"', source)) - {
            "cc_side",
            "cc_call_id",
            *by_callcenter,
        }
        self.assertEqual(
            read,
            {
                "cc_recording_path",
                "cc_recording_notice",
                "cc_service_type",
                "cc_callback_requested",
            },
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


class TestAgentsPhonesConfig(unittest.TestCase):
    """FreeSWITCH learns agents' SIP accounts from Odoo (mod_xml_curl), and
    what the files, docker-compose.yml and Odoo's code say agree."""

    @classmethod
    def setUpClass(cls):
        cls.compose = yaml.safe_load(
            (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
        )
        cls.freeswitch = cls.compose["services"]["freeswitch"]
        cls.profile = params(freeswitch_xml(SIP_PROFILE))

    def mounted(self, source):
        """Where docker-compose.yml mounts ``source`` in FreeSWITCH."""
        for volume in self.freeswitch["volumes"]:
            parts = volume.split(":")
            if parts[0] == f"./{source}":
                return parts[1]
        self.fail(f"{source} is not mounted")

    def test_the_directory_is_asked_of_odoo(self):
        loads = [
            load.get("module")
            for load in freeswitch_xml(
                "config/freeswitch/autoload_configs/modules.conf.xml"
            ).iter("load")
        ]
        # Bound before mod_sofia starts asking for users.
        self.assertLess(loads.index("mod_xml_curl"), loads.index("mod_sofia"))
        self.assertIn("mod_db", loads)
        binding = freeswitch_xml(XML_CURL_CONF).find(".//binding")
        url = binding.find("param[@name='gateway-url']")
        self.assertEqual(url.get("value"), "$${cc_directory_url}")
        self.assertEqual(url.get("bindings"), "directory")
        settings = params(binding)
        self.assertEqual(
            settings["gateway-credentials"], "freeswitch:$${cc_directory_secret}"
        )
        self.assertEqual(settings["auth-scheme"], "basic")
        self.assertEqual(
            self.mounted(XML_CURL_CONF),
            "/etc/freeswitch/autoload_configs/xml_curl.conf.xml",
        )

    def test_the_directory_url_is_odoos_route(self):
        environment = self.freeswitch["environment"]
        url = environment["FREESWITCH_DIRECTORY_URL"]
        route = re.search(r"https?://([\d.]+):(\d+)(/\S+)$", url)
        self.assertTrue(route, url)
        controller = (TELEPHONY / "controllers" / "freeswitch_directory.py").read_text()
        self.assertIn(f'"{route[3]}"', controller)
        odoo = self.compose["services"]["odoo"]
        self.assertEqual(odoo["networks"]["telephony"]["ipv4_address"], route[1])
        self.assertIn(f"{route[2]}:{route[2]}", odoo["ports"])
        # The secret and the domain come from .env, without a default.
        self.assertEqual(
            environment["FREESWITCH_DIRECTORY_SECRET"],
            "${FREESWITCH_DIRECTORY_SECRET:?set FREESWITCH_DIRECTORY_SECRET in .env}",
        )
        self.assertTrue(environment["FREESWITCH_SIP_DOMAIN"].startswith("${"))
        # The sample secret is one Odoo refuses on a node.
        example = (ROOT / ".env.example").read_text(encoding="utf-8")
        sample = re.search(r"(?m)^FREESWITCH_DIRECTORY_SECRET=(\S+)", example)[1]
        self.assertTrue(sample.startswith("change-me"))
        self.assertIn('SAMPLE_PREFIX = "change-me"', self.node_source())

    def node_source(self):
        return (TELEPHONY / "models" / "cc_pbx_server.py").read_text()

    def test_agents_profile_serves_the_softphone_over_wss(self):
        self.assertEqual(
            self.mounted(SIP_PROFILE), "/etc/freeswitch/sip_profiles/internal.xml"
        )
        self.assertEqual(self.profile["wss-binding"], ":7443")
        self.assertEqual(self.profile["tls-cert-dir"], "$${certs_dir}")
        ports = [str(port) for port in self.freeswitch["ports"]]
        self.assertIn("7443:7443/tcp", ports)
        self.assertIn(
            f"{self.profile['tls-sip-port']}:{self.profile['tls-sip-port']}/tcp", ports
        )
        # The plain websocket is for a TLS-terminating proxy, never published.
        self.assertFalse([p for p in ports if "5066" in p])
        # Certificates are mounted, and never committed.
        self.assertEqual(self.mounted("config/freeswitch/tls"), "/etc/freeswitch/tls")
        ignored = (ROOT / "config/freeswitch/tls/.gitignore").read_text()
        self.assertEqual(ignored.splitlines()[0], "*")

    def test_agents_profile_authenticates_everything_in_odoos_realm(self):
        self.assertEqual(self.profile["auth-calls"], "true")
        domain = "$${cc_sip_domain}"
        for name in (
            "force-register-domain",
            "force-register-db-domain",
            "challenge-realm",
        ):
            self.assertEqual(self.profile[name], domain, name)
        self.assertNotIn("accept-blind-reg", self.profile)
        self.assertNotIn("accept-blind-auth", self.profile)
        # Odoo's node knows the profile by this name.
        profile_name = freeswitch_xml(SIP_PROFILE).find("profile").get("name")
        self.assertRegex(
            self.node_source(),
            rf'sip_profile = fields.Char\([^)]*default="{profile_name}"',
        )

    def test_static_directory_holds_no_user(self):
        path = "config/freeswitch/directory/default.xml"
        self.assertEqual(self.mounted(path), "/etc/freeswitch/directory/default.xml")
        directory = freeswitch_xml(path)
        self.assertEqual(directory.find(".//domain").get("name"), "$${cc_sip_domain}")
        self.assertEqual(list(directory.iter("user")), [])

    def test_agents_context(self):
        dialplan = freeswitch_xml(AGENTS_DIALPLAN)
        context = dialplan.find(".//context").get("name")
        self.assertEqual(
            self.mounted(AGENTS_DIALPLAN), f"/etc/freeswitch/dialplan/{context}.xml"
        )
        # The context of agents' accounts, in Odoo and in the static files.
        self.assertEqual(self.profile["context"], context)
        self.assertRegex(
            self.node_source(),
            rf'agent_context = fields.Char\([^)]*default="{context}"',
        )
        variables = {
            v.get("name"): v.get("value")
            for v in freeswitch_xml("config/freeswitch/directory/default.xml").iter(
                "variable"
            )
        }
        self.assertEqual(variables["user_context"], context)
        # Customers an agent transfers land in it.
        public = freeswitch_xml("config/freeswitch/dialplan/cc_suite_public.xml")
        sets = [
            a.get("data")
            for a in public.iter("action")
            if a.get("application") == "set"
        ]
        self.assertIn(f"force_transfer_context={context}", sets)

    def test_transfers_read_what_odoo_writes(self):
        """The mod_db realm of agents' contacts and the queue prefix are the
        ones Odoo writes and lists."""
        realm = re.search(r'ROUTE_DB_REALM = "(\w+)"', self.node_source())[1]
        actions = [
            (a.get("application"), a.get("data"))
            for a in freeswitch_xml(AGENTS_DIALPLAN).iter("action")
        ]
        lookups = [data for app, data in actions if "${db(select/" in (data or "")]
        self.assertEqual(len(lookups), 1)
        self.assertIn(f"${{db(select/{realm}/$1)}}", lookups[0])
        accounts = (TELEPHONY / "models" / "cc_sip_account.py").read_text()
        prefix = re.search(r'return "([a-z]+-)" \+ queue.name', accounts)[1]
        queue = next(
            e
            for e in freeswitch_xml(AGENTS_DIALPLAN).iter("extension")
            if e.get("name") == "cc_queue"
        )
        self.assertTrue(
            queue.find("condition").get("expression").startswith(f"^{prefix}(")
        )
        callcenter = freeswitch_xml(
            "config/freeswitch/autoload_configs/callcenter.conf.xml"
        )
        domains = {q.get("name").split("@")[1] for q in callcenter.iter("queue")}
        self.assertEqual(domains, {"default"})
        self.assertIn(
            ("callcenter", "$1@default"), actions, "queue-<name> goes to <name>@default"
        )


if __name__ == "__main__":
    unittest.main()
