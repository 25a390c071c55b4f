"""Student lab: a "量智 Lab" menu in JupyterLab's menu bar that leads back to the site.

The site's address differs per installation, so the JupyterLab settings override that adds
the menu is written at server start from LIANGZHI_SITE_URL (the hub passes it to every
server) into a folder of the server's own, which becomes JupyterLab's app settings folder.
The link opens the site in a browser tab: the site refuses to be framed inside the lab.
"""

import json
import os
import tempfile

_site = os.environ.get("LIANGZHI_SITE_URL", "").rstrip("/")
if _site.startswith(("http://", "https://")):
    _dir = os.path.join(os.environ.get("HOME") or tempfile.gettempdir(), ".cache", "liangzhi-lab-settings")
    os.makedirs(_dir, exist_ok=True)
    _back = {"command": "help:open", "args": {"url": _site + "/", "text": "返回量智 Lab · Back to Liangzhi Lab", "newBrowserTab": True}}
    _overrides = {
        "@jupyterlab/mainmenu-extension:plugin": {
            "menus": [{"id": "jp-mainmenu-liangzhi", "label": "量智 Lab", "rank": 1, "items": [_back]}]
        }
    }
    with open(os.path.join(_dir, "overrides.json"), "w", encoding="utf-8") as _f:
        json.dump(_overrides, _f, ensure_ascii=False)
    c.LabApp.app_settings_dir = _dir  # type: ignore[name-defined]  # noqa: F821 -- traitlets' config object
