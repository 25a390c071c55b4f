#!/usr/bin/env python
"""Django's command-line utility for Liangzhi Lab.

``platform/`` is a *source root*, never a package: a ``platform/__init__.py`` would
shadow the standard library's ``platform`` module (imported by Django through
``uuid``). We append it to ``sys.path`` so ``config``, ``accounts`` and ``dashboard``
import by their short names, while the top-level apps (``courses``, ``grading``,
``sandbox``, ``competitions``) import from the repository root.
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent


def main() -> None:
    for path in (str(ROOT), str(ROOT / "platform")):
        if path not in sys.path:
            sys.path.append(path)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
