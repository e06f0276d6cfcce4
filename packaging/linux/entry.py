"""The one executable of the bundled build: `mfos` when called by that name, else the launcher.

The .deb links /usr/bin/mfos and /usr/bin/mainframe-os to the same program, so the CLI and the
launcher share one copy of Python, Qt and the dependencies.
"""

import os
import sys


def main() -> int:
    if os.path.basename(sys.argv[0]).startswith("mfos"):
        from mainframe_os.cli import main as cli_main

        return cli_main()
    from mainframe_os.gui.app import main as gui_main

    return gui_main()


if __name__ == "__main__":
    sys.exit(main())
