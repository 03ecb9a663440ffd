"""`python -m deploy ...` is `sgo ...` without the installed console script."""

from deploy.cli import main

raise SystemExit(main())
