"""The digit CNN: small enough for < 2 MB and < 1 ms (preprocess + inference) on one CPU thread.

One cheap conv at 28x28, then two convs at 14x14 and two at 7x7 (most of the
parameters sit where the maps are small), global average pooling, one linear layer.
"""

from __future__ import annotations

import torch
from torch import nn


def conv_block(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)
    )


class DigitNet(nn.Module):
    def __init__(self, width: int = 24) -> None:
        super().__init__()
        w = width
        self.features = nn.Sequential(
            conv_block(1, w), nn.MaxPool2d(2),  # 14x14
            conv_block(w, 2 * w), conv_block(2 * w, 2 * w), nn.MaxPool2d(2),  # 7x7
            conv_block(2 * w, 4 * w), conv_block(4 * w, 4 * w), nn.AdaptiveAvgPool2d(1),
        )
        self.head = nn.Sequential(nn.Flatten(), nn.Dropout(0.2), nn.Linear(4 * w, 10))

    def pooled(self, x: torch.Tensor) -> torch.Tensor:
        """(N, 1, 28, 28) -> (N, 4w): the globally pooled vector the last layer reads."""
        return torch.flatten(self.features(x), 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


class Exported(nn.Module):
    """What ships: (probs = softmax(logits / temperature), features = pooled vector), so calibrated
    probabilities come out of the file and personal adaptation can read the features."""

    def __init__(self, net: nn.Module, temperature: float = 1.0) -> None:
        super().__init__()
        self.net = net
        self.register_buffer("temperature", torch.tensor(float(temperature)))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        f = self.net.pooled(x)
        return torch.softmax(self.net.head(f) / self.temperature, dim=1), f
