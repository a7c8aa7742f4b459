"""Entry point of ``python -m autograder``."""

import sys

from autograder.cli import main

if __name__ == "__main__":  # not when a Dask worker process started by multiprocessing imports it
    sys.exit(main())
