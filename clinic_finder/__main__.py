import sys

from clinic_finder.cli import main

sys.exit(main())
