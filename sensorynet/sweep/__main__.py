"""``python -m sensorynet.sweep``: the sweep command line."""
from ._cli import cli_main

raise SystemExit(cli_main())
