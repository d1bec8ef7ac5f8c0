from odoo.http import request

from odoo.addons.web.controllers import webmanifest

ICON_SIZES = ("192x192", "512x512")
# The icon's own green, behind the splash screen of the installed app.
BACKGROUND = "#14735D"


class WebManifest(webmanifest.WebManifest):
    def _get_webmanifest(self):
        """Installed on a phone's home screen by call center staff, Odoo is
        the Call Center app: its name (the Call Center menu's, in the user's
        language), icon, language and direction. Everyone else keeps Odoo's
        own manifest."""
        manifest = super()._get_webmanifest()
        user = request.env.user
        if user._is_public() or not user.has_group("cc_agent.group_cc_agent"):
            return manifest
        lang = request.env["res.lang"]._lang_get(user.lang or request.env.lang)
        # sudo: the menu's name only, whatever menus the user may open.
        menu = request.env.ref("cc_agent.cc_menu_root").sudo()
        name = menu.with_context(lang=lang.code if lang else None).name
        manifest.update(
            {
                "name": name,
                "short_name": name,
                "background_color": BACKGROUND,
                "icons": [
                    {
                        "src": f"/cc_agent/static/img/cc-icon-{size.split('x')[0]}.png",
                        "sizes": size,
                        "type": "image/png",
                    }
                    for size in ICON_SIZES
                ],
            }
        )
        if lang:
            manifest["lang"] = lang.iso_code.replace("_", "-")
            manifest["dir"] = lang.direction
        return manifest
