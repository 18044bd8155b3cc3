import sys

from hftui.entry import main

sys.exit(main())
