"""Reads an Odoo test run's log and the repository tests' results; prints the verdict.

Odoo's own counts come from the line it logs when the run ends
("X failed, Y error(s) of Z tests when loading database ..."), and skipped
tests from its "skipped" lines. A module's Hoot JS tests run inside one Odoo
test each; their own count is shown beside, not added. The log check is OCA
checklog's rule: any ERROR or CRITICAL line fails the run, and so does any
WARNING that no pattern of the checklog file allows. The log check counts as
one more test.

The last line printed is "N passed, N failed". Exit status: 0 only when
nothing failed and at least one Odoo test ran.
"""

import argparse
import configparser
import json
import re
import sys

LOG_LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (?P<level>[A-Z]+) \S+ (?P<logger>\S+): "
    r"(?P<message>.*)$"
)
RESULT = re.compile(
    r"(?P<failed>\d+) failed, (?P<errors>\d+) error\(s\) of (?P<run>\d+) tests "
    r"when loading database"
)
SKIPPED = re.compile(r"^skipped \S+ : ")
# A whole class skipped from its setUpClass: its tests were not counted as run.
SKIPPED_CLASS = re.compile(r"^skipped setUpClass \((?P<name>\S+)\) : (?P<reason>.*)")
HOOT_PASSED = re.compile(r"\[HOOT\] passed (\d+) tests")
MODULE_LOADED = re.compile(
    r"^Module (?P<module>\S+) loaded in .* \(incl\. [\d.]+s test\)"
)
SHOWN = 40


def read_allowed(path):
    if not path:
        return []
    parser = configparser.ConfigParser()
    parser.read(path, encoding="utf-8")
    lines = parser.get("checklog-odoo", "ignore", fallback="").splitlines()
    return [re.compile(line.strip()) for line in lines if line.strip()]


def scan_log(path, allowed):
    result = None
    skipped = hoot = 0
    rejected = []
    skipped_classes = []
    with open(path, encoding="utf-8", errors="replace") as log:
        for raw in log:
            line = raw.rstrip("\n")
            match = LOG_LINE.match(line)
            if not match:
                continue
            level, message = match["level"], match["message"]
            found = RESULT.search(message)
            if found and match["logger"] == "odoo.tests.result":
                result = {key: int(value) for key, value in found.groupdict().items()}
            if level == "INFO" and SKIPPED.match(message):
                skipped += 1
            if level == "INFO" and (found := SKIPPED_CLASS.match(message)):
                skipped_classes.append(f"{found['name']}: {found['reason'].strip()}")
            if found := HOOT_PASSED.search(message):
                hoot += int(found[1])
            if level in ("ERROR", "CRITICAL"):
                rejected.append(line)
            elif level == "WARNING" and not any(p.search(line) for p in allowed):
                rejected.append(line)
    return result, skipped, hoot, rejected, skipped_classes


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("log", help="the Odoo log of the test run")
    parser.add_argument(
        "--checklog", help="checklog-odoo configuration (allowed warnings)"
    )
    parser.add_argument("--repo-results", help="JSON counts of the repository tests")
    parser.add_argument(
        "--odoo-status", type=int, default=0, help="odoo-bin's exit status"
    )
    args = parser.parse_args()

    result, skipped, hoot, rejected, skipped_classes = scan_log(
        args.log, read_allowed(args.checklog)
    )
    passed = failed = 0
    ok = True
    if result is None:
        print(f"Odoo did not report test results (it crashed, or ran none): {args.log}")
        ok = False
    else:
        odoo_failed = result["failed"] + result["errors"]
        odoo_passed = result["run"] - odoo_failed - skipped
        passed += odoo_passed
        failed += odoo_failed
        print(
            f"Odoo tests: {result['run']} run, {odoo_passed} passed, "
            f"{result['failed']} failed, {result['errors']} errors, {skipped} skipped"
        )
        if hoot:
            print(f"Hoot JS tests, run in Chromium inside those: {hoot} passed")
        for skipped_class in skipped_classes:
            print(f"Skipped, not run: {skipped_class}")
        if result["run"] == 0:
            print("Odoo ran no test at all: that is a failure.")
            ok = False
    if args.odoo_status:
        print(f"odoo-bin exited with status {args.odoo_status}.")
        ok = False
    if args.repo_results:
        with open(args.repo_results, encoding="utf-8") as handle:
            repo = json.load(handle)
        repo_failed = repo["failures"] + repo["errors"]
        repo_passed = repo["run"] - repo_failed - repo["skipped"]
        passed += repo_passed
        failed += repo_failed
        print(
            f"Repository tests: {repo['run']} run, {repo_passed} passed, "
            f"{repo_failed} failed, {repo['skipped']} skipped"
        )
    if rejected:
        failed += 1
        print(
            f"Log check: FAILED, {len(rejected)} ERROR or unexpected WARNING line(s):"
        )
        for line in rejected[:SHOWN]:
            print(f"    {line}")
        if len(rejected) > SHOWN:
            print(f"    ... and {len(rejected) - SHOWN} more in {args.log}")
    else:
        passed += 1
        print("Log check: passed (no ERROR, no WARNING outside the allowed list)")
    if not ok and failed == 0:
        # Nothing counted as failed, yet the run is not sound: say so in the count.
        failed = 1
    ok = ok and failed == 0
    print(f"{passed} passed, {failed} failed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
