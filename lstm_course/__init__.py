"""Helper package of the lstm-course notebooks.

Modules:
    paths    -- where the repository, its datasets and the notebooks live
    runtime  -- reproducible, CPU-friendly settings (seeds, thread counts, fast mode)
    checks   -- comparisons with student-facing messages, used by the visible and hidden tests
    plots    -- figures the notebooks share
    data     -- loaders for the files shipped in ``datasets/``
    colab    -- what the notebooks' setup cell does on Google Colab

Graded logic lives in the notebooks, never here.
"""

__version__ = "0.1.0"
