"""A matplotlib backend that records what every figure is labelled with, for the repository's figure test.

Select it with ``MPLBACKEND=module://lstm_course.figure_audit``. It draws nothing. Whenever figures are shown
(``plt.show()``) and at the end of every notebook cell (as the inline backend does), it publishes, for each
open figure, a ``display_data`` output of type :data:`MIME` describing the figure's title and every axes'
labels, then closes the figures. The output lands in the cell that made the figure, so a test reading the
executed notebook knows which figure of which cell lacks what (:func:`problems`).
"""

from __future__ import annotations

from typing import Any

from matplotlib._pylab_helpers import Gcf
from matplotlib.backend_bases import FigureManagerBase
from matplotlib.backends.backend_agg import FigureCanvasAgg

#: MIME type of the records (Jupyter front ends show nothing for it).
MIME = "application/vnd.lstm-course.figure-audit+json"

FigureCanvas = FigureCanvasAgg
FigureManager = FigureManagerBase


def describe(fig: Any) -> dict:
    """Title and labels of ``fig``: ``{"suptitle", "axes": [{"title", "xlabel", "ylabel", ...}]}``."""
    suptitle = fig._suptitle.get_text() if getattr(fig, "_suptitle", None) is not None else ""
    axes = []
    for ax in fig.axes:
        colorbar = getattr(ax, "_colorbar", None)
        shared_x = [a for a in ax.get_shared_x_axes().get_siblings(ax) if a is not ax]
        shared_y = [a for a in ax.get_shared_y_axes().get_siblings(ax) if a is not ax]
        axes.append(
            {
                "title": " ".join(t for t in (ax.get_title("left"), ax.get_title(), ax.get_title("right")) if t),
                "xlabel": ax.get_xlabel() or next((a.get_xlabel() for a in shared_x if a.get_xlabel()), ""),
                "ylabel": ax.get_ylabel() or next((a.get_ylabel() for a in shared_y if a.get_ylabel()), ""),
                "visible": bool(ax.get_visible() and ax.axison),
                "colorbar": None if colorbar is None else colorbar.orientation,
            }
        )
    return {"suptitle": suptitle, "axes": axes}


def problems(record: dict) -> list[str]:
    """What a figure record lacks: a title, an x or y label, a colorbar label (empty when it is complete)."""
    found = []
    plain = [a for a in record["axes"] if a["colorbar"] is None]
    if not record["suptitle"] and not any(a["title"] for a in plain):
        found.append("no title (neither a suptitle nor an axes title)")
    for i, ax in enumerate(record["axes"]):
        if not ax["visible"]:
            continue
        name = f"axes {i}" + (f" ({ax['title']!r})" if ax["title"] else "")
        if ax["colorbar"] is not None:
            label = ax["ylabel"] if ax["colorbar"] == "vertical" else ax["xlabel"]
            if not label:
                found.append(f"{name}: a colorbar without a label")
            continue
        for which in ("xlabel", "ylabel"):
            if not ax[which]:
                found.append(f"{name}: no {which}")
    return found


def _publish_and_close() -> None:
    from IPython.display import publish_display_data

    managers = Gcf.get_all_fig_managers()
    for manager in managers:
        publish_display_data({MIME: describe(manager.canvas.figure)})
    if managers:
        import matplotlib.pyplot as plt

        plt.close("all")


def show(*args: Any, **kwargs: Any) -> None:
    """``plt.show()``: record and close every open figure."""
    _publish_and_close()


def _register() -> None:
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None and _publish_and_close not in shell.events.callbacks["post_execute"]:
        shell.events.register("post_execute", _publish_and_close)


_register()
