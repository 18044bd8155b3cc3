import sys

from hftui.cli import main

sys.exit(main())
