"""Grader-side rules of what an exercise may use, keyed by assignment and solution cell.

The scratch NumPy LSTM notebooks (03-05) compare the student's NumPy code with PyTorch and Keras, which their
locked cells import for the answer keys (``torch_lstm_step``, ``torch_lstm``, ...). An answer that calls those
frameworks or the notebook's own reference helpers passes the value checks without implementing anything.
A :class:`Policy` names the modules an exercise must not use; the reference helpers are found from the
released notebook itself (every function or name of a locked or tests cell that uses a forbidden module,
directly or through another such helper), so notebook authors declare nothing.

:func:`autograder.integrity.static_flags` applies the policy of a solution cell to it, and the union of an
assignment's policies to every cell a student added (a helper the solution calls).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Policy:
    """What the code of an exercise must not use.

    Attributes:
        why: the exercise's rule, for the flag ("a NumPy-only exercise").
        modules: top-level modules it must not import or reach (``torch`` covers ``torch.nn``).
        names: further names it must not use (besides the reference helpers found in the notebook).
    """

    why: str
    modules: frozenset[str]
    names: frozenset[str] = frozenset()


#: Deep-learning frameworks (and libraries that wrap them): what a scratch implementation must do without.
FRAMEWORKS = frozenset(
    {"torch", "torchaudio", "torchvision", "tensorflow", "keras", "jax", "jaxlib", "flax", "tf_keras", "sklearn",
     "scipy", "autograd", "theano", "mxnet", "paddle", "lightning", "pytorch_lightning", "transformers"}
)  # fmt: skip
NUMPY_ONLY = Policy("a NumPy-only exercise", FRAMEWORKS)

#: assignment -> solution-cell grade_id (or "*" for all of its solution cells) -> policy.
POLICIES: dict[str, dict[str, Policy]] = {
    "03_lstm_forward": {"*": NUMPY_ONLY},
    "04_lstm_backward": {"*": NUMPY_ONLY},
    "05_lstm_training": {"*": NUMPY_ONLY},
}


def policy_for(assignment: str | None, grade_id: str | None) -> Policy | None:
    """The policy of one solution cell (``grade_id``) of ``assignment``, or None."""
    rules = POLICIES.get(assignment or "", {})
    return rules.get(grade_id or "") or rules.get("*")


def any_policy(assignment: str | None) -> Policy | None:
    """The union of an assignment's policies (for cells a student added), or None."""
    rules = list(POLICIES.get(assignment or "", {}).values())
    if not rules:
        return None
    return Policy(
        rules[0].why,
        frozenset().union(*(r.modules for r in rules)),
        frozenset().union(*(r.names for r in rules)),
    )
