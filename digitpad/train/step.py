"""The loss and the weight average both recognizers train with (image CNN and stroke model)."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def digit_and_reject_loss(logits: torch.Tensor, labels: torch.Tensor, nondigit_weight: float) -> torch.Tensor:
    """Mean over the batch: label-smoothed cross-entropy for digits (label >= 0), and for
    non-digits (label -1) the pull towards a uniform output that makes them "not sure"."""
    digit = labels >= 0
    loss = logits.new_zeros(())
    if digit.any():
        loss = loss + F.cross_entropy(logits[digit], labels[digit], label_smoothing=0.05, reduction="sum")
    if (~digit).any():
        loss = loss - nondigit_weight * F.log_softmax(logits[~digit], 1).mean(1).sum()
    return loss / len(labels)


@torch.no_grad()
def update_average(average: torch.nn.Module, net: torch.nn.Module, step: int, decay: float) -> None:
    """Exponential moving average of the weights (the exported model), warmed up over the
    first steps; buffers that are not floats (counters) are copied."""
    rate = min(decay, (1 + step) / (10 + step))
    for e, p in zip(average.state_dict().values(), net.state_dict().values()):
        if e.dtype.is_floating_point:
            e.mul_(rate).add_(p.detach(), alpha=1 - rate)
        else:
            e.copy_(p)
