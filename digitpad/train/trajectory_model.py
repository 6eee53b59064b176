"""The trajectory recognizer: a small 1-D CNN over ``trajectory_features`` (N, 64, 7).

Convolutions along the writing order see local shape and direction (a lead-in
rising to the top, a bar drawn left to right); average and max pooling over the
sequence give one fixed feature vector per drawing, which the exported file also
outputs (personal adaptation fits on it), and one linear layer names the digit.
"""

from __future__ import annotations

import torch
from torch import nn


def _block(cin: int, cout: int, k: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv1d(cin, cout, k, padding=k // 2, bias=False), nn.BatchNorm1d(cout),
                         nn.ReLU(inplace=True))


class TrajectoryNet(nn.Module):
    def __init__(self, features: int = 7, width: int = 64) -> None:
        super().__init__()
        w = width
        self.body = nn.Sequential(
            _block(features, w, 5), _block(w, w, 5), nn.MaxPool1d(2),  # 32 steps
            _block(w, 2 * w, 3), _block(2 * w, 2 * w, 3), nn.MaxPool1d(2),  # 16 steps
            _block(2 * w, 2 * w, 3),
        )
        self.dim = 4 * w  # average and max pooled
        self.head = nn.Sequential(nn.Dropout(0.2), nn.Linear(self.dim, 10))

    def pooled(self, x: torch.Tensor) -> torch.Tensor:
        """(N, steps, features) -> (N, dim)."""
        h = self.body(x.transpose(1, 2))
        return torch.cat([h.mean(dim=2), h.amax(dim=2)], dim=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.pooled(x))


class ExportedTrajectory(nn.Module):
    """What ships: (probs = softmax(logits / T), features = pooled vector), T folded in."""

    def __init__(self, net: TrajectoryNet, temperature: float = 1.0) -> None:
        super().__init__()
        self.net = net
        self.register_buffer("temperature", torch.tensor(float(temperature)))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        f = self.net.pooled(x)
        return torch.softmax(self.net.head(f) / self.temperature, dim=1), f
