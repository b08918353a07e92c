"""`python -m newsearch ...` is the `newsearch` command."""
import sys

from newsearch.cli import main

sys.exit(main())
