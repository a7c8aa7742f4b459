"""Figures the notebooks share: training curves, confusion matrices, heatmaps over time."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure


def plot_history(
    history: Mapping[str, Sequence[float]],
    metrics: Sequence[str] | None = None,
    title: str | None = None,
    logy: bool = False,
) -> Figure:
    """Plot training curves, one panel per metric, with ``val_<metric>`` drawn beside ``<metric>``.

    Args:
        history: metric name -> values per epoch (a Keras ``History.history`` dict works as is).
        metrics: which metrics to draw (default: every key not starting with ``val_``).
        title: figure title.
        logy: log scale on the y axis (useful for losses spanning decades).

    Returns:
        The figure.
    """
    if metrics is None:
        metrics = [k for k in history if not k.startswith("val_")]
    fig, axes = plt.subplots(1, len(metrics), figsize=(4.5 * len(metrics), 3.2), squeeze=False)
    for ax, name in zip(axes[0], metrics, strict=True):
        values = history[name]
        epochs = np.arange(1, len(values) + 1)
        ax.plot(epochs, values, label=f"train {name}")
        if f"val_{name}" in history:
            ax.plot(epochs, history[f"val_{name}"], label=f"validation {name}")
        ax.set_xlabel("epoch")
        ax.set_ylabel(name)
        if logy:
            ax.set_yscale("log")
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_confusion_matrix(
    cm: np.ndarray,
    labels: Sequence[str],
    normalize: bool = True,
    title: str = "Confusion matrix",
    ax: Axes | None = None,
) -> Axes:
    """Draw a confusion matrix (rows: true class, columns: predicted class).

    Args:
        cm: (K, K) counts.
        labels: K class names.
        normalize: show each row as fractions of its true class (counts are printed in the cells); the colour
            bar is labelled accordingly.
        title: axes title.
        ax: axes to draw on (default: a new figure).
    """
    cm = np.asarray(cm)
    if ax is None:
        _, ax = plt.subplots(figsize=(1.0 + 0.6 * len(labels), 0.8 + 0.6 * len(labels)))
    shown = cm / np.maximum(cm.sum(axis=1, keepdims=True), 1) if normalize else cm
    im = ax.imshow(shown, cmap="Blues", vmin=0, vmax=1 if normalize else None)
    colorbar = ax.figure.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    colorbar.set_label("fraction of the true class" if normalize else "count")
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    for i in range(cm.shape[0]):
        for j in range(cm.shape[1]):
            ax.text(
                j,
                i,
                str(cm[i, j]),
                ha="center",
                va="center",
                color="white" if shown[i, j] > 0.5 * np.max(shown) else "black",
                fontsize=8,
            )
    return ax


def plot_over_time(
    values: np.ndarray,
    row_labels: Sequence[str] | None = None,
    title: str = "",
    xlabel: str = "time step t",
    ax: Axes | None = None,
    cmap: str = "viridis",
    vmin: float | None = 0.0,
    vmax: float | None = 1.0,
    colorbar_label: str = "activation",
) -> Axes:
    """Heatmap of a (rows, T) array over time, e.g. a gate's activations per hidden unit.

    Args:
        values: (R, T) values.
        row_labels: R labels (default: unit numbers).
        title: axes title.
        xlabel: x axis label.
        ax: axes to draw on (default: a new figure).
        cmap, vmin, vmax: colour map and range (gates live in [0, 1]).
        colorbar_label: what the colours mean (the colorbar's label).
    """
    values = np.asarray(values)
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 0.3 * values.shape[0] + 1.2))
    im = ax.imshow(values, aspect="auto", cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
    ax.figure.colorbar(im, ax=ax, fraction=0.03, pad=0.02, label=colorbar_label)
    if row_labels is not None:
        ax.set_yticks(range(len(row_labels)), row_labels)
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    return ax
