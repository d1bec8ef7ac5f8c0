"""Regenerates each addon's i18n/<addon>.pot and merges it into i18n/ar.po.

Run through tools/i18n, which installs the addons into a throwaway database
first:

    tools/i18n [cc_agent cc_ticket ...]

Existing Arabic translations are kept; new terms are added untranslated (the
addons' translation tests then name them); terms no longer in the code are
dropped.
"""

import argparse
import getpass
import io
import os
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
ADDONS = ["cc_agent", "cc_ticket", "cc_telephony", "cc_payroll"]


def export_pot(env, module):
    from odoo.tools.translate import trans_export

    buffer = io.BytesIO()
    trans_export(False, [module], buffer, "po", env.cr)
    return polib.pofile(buffer.getvalue().decode("utf-8"))


def merge(pot, po_path, module):
    old = polib.pofile(str(po_path)) if po_path.exists() else polib.POFile()
    known = {(entry.msgctxt, entry.msgid): entry for entry in old}
    po = polib.POFile(wrapwidth=78)
    po.metadata = {
        "Project-Id-Version": "Odoo Server 18.0",
        "Report-Msgid-Bugs-To": "",
        "Last-Translator": "",
        "Language-Team": "Arabic",
        "Language": "ar",
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "",
        "Plural-Forms": "nplurals=6; plural=n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : "
        "n%100>=3 && n%100<=10 ? 3 : n%100>=11 ? 4 : 5;",
    }
    po.header = (
        "Translation of Odoo Server.\n"
        f"This file contains the translation of the following modules:\n\t* {module}"
    )
    for entry in pot:
        previous = known.get((entry.msgctxt, entry.msgid))
        po.append(
            polib.POEntry(
                msgid=entry.msgid,
                msgctxt=entry.msgctxt,
                msgstr=previous.msgstr if previous else "",
                occurrences=entry.occurrences,
                comment=entry.comment,
                tcomment=entry.tcomment,
                flags=[flag for flag in entry.flags if flag != "fuzzy"],
            )
        )
    po.save(str(po_path))
    return sum(1 for entry in po if not entry.msgstr)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--odoo-path", required=True)
    parser.add_argument("--addons-path", required=True)
    parser.add_argument("modules", nargs="*", default=ADDONS)
    args = parser.parse_args()

    sys.path.insert(0, args.odoo_path)
    import odoo
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config(
        [
            f"--database={args.database}",
            f"--db_host={os.environ.get('PGHOST', '127.0.0.1')}",
            f"--db_port={os.environ.get('PGPORT', '5432')}",
            f"--db_user={os.environ.get('PGUSER') or getpass.getuser()}",
            f"--addons-path={args.addons_path}",
            "--log-level=warn",
        ]
    )
    odoo.modules.module.initialize_sys_path()
    registry = Registry(args.database)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        for module in args.modules:
            folder = ROOT / "addons" / module / "i18n"
            folder.mkdir(exist_ok=True)
            pot = export_pot(env, module)
            pot.wrapwidth = 78
            pot.save(str(folder / f"{module}.pot"))
            missing = merge(pot, folder / "ar.po", module)
            print(f"{module}: {len(pot)} terms, {missing} without Arabic")


if __name__ == "__main__":
    main()
