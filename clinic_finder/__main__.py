import os
import sys

from clinic_finder.cli import main

try:
    code = main()
    sys.stdout.flush()
except BrokenPipeError:
    # The reader went away (`... search | head`): not an error of ours, and no traceback. Python's advice: point
    # stdout at devnull so the interpreter's own flush at exit does not raise again.
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    code = 0
sys.exit(code)
