"""Allow `python -m careerblog`."""

from careerblog.cli import main

main()
