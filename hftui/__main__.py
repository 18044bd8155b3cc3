import sys

try:
    from hftui.entry import main
except KeyboardInterrupt:  # ctrl+c while the first module loads: the same one line as later, no traceback
    from hftui.interrupts import interrupted

    sys.exit(interrupted())

sys.exit(main())
