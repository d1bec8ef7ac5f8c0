"""tools/test_report.py reads Odoo's test log as ./test relies on it."""

import importlib.util
import tempfile
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location(
    "test_report", ROOT / "tools" / "test_report.py"
)
test_report = importlib.util.module_from_spec(spec)
spec.loader.exec_module(test_report)

STAMP = "2026-11-29 11:29:08,728 1"
LOG = "".join(
    f"{STAMP} {line}\n"
    for line in (
        "INFO db odoo.modules.loading: loading 1 modules...",
        "INFO db odoo.tests.suite: skipped setUpClass (x.TestLive) : no live FS",
        "INFO db odoo.tests.runner: skipped test_other : not on this database",
        "WARNING db odoo.addons.x: something odd",
        "INFO db odoo.tests.result: 1 failed, 0 error(s) of 12 tests when loading "
        "database 'db'",
    )
)


class TestTestReport(unittest.TestCase):
    def scan(self, text):
        with tempfile.NamedTemporaryFile("w", suffix=".log", delete=False) as log:
            log.write(text)
        self.addCleanup(Path(log.name).unlink)
        return test_report.scan_log(log.name, [])

    def test_results_skips_and_rejected_lines(self):
        result, skipped, hoot, rejected, skipped_classes = self.scan(LOG)
        self.assertEqual(result, {"failed": 1, "errors": 0, "run": 12})
        # A test skipped is counted among those run; a class skipped is not.
        self.assertEqual(skipped, 1)
        self.assertEqual(
            skipped_classes,
            ["x.TestLive: no live FS"],
        )
        self.assertEqual(hoot, 0)
        self.assertEqual(len(rejected), 1)
        self.assertIn("something odd", rejected[0])


if __name__ == "__main__":
    unittest.main()
