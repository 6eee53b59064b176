"""Augmentation aimed at canvas drawings; every output passes through the shared preprocessor.

A batch of 28x28 frames (ink bright) is upsampled 4x, its strokes thickened or
thinned (max/min pooling), rotated, sheared, stretched and elastically
distorted in one ``grid_sample`` on a padded canvas (nothing is cropped), and
then each image goes through :func:`digitpad.preprocess.to_mnist_28` exactly as a
canvas drawing would.  Runs on CPU in DataLoader workers (torch + numpy + PIL).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from digitpad.preprocess import to_mnist_28

UP = 3  # 28 -> 84
CANVAS = 40 * UP  # padded working canvas so rotation/shear never crop ink
COARSE = 9  # the sampling grid is built at 9x9 and upsampled (exact for the affine part)


@dataclass(frozen=True)
class AugmentConfig:
    rotate_deg: float = 12.0  # standard deviation
    shear: float = 0.22
    aspect: float = 0.12  # sd of log x/y scale
    elastic: float = 0.035  # sd of the coarse displacement field (normalised units)
    thickness: tuple[int, ...] = (-5, -5, -3, 0, 0, 3, 5)  # <0 erode, >0 dilate (kernel at 84 px)


#: MNIST: thick scanned pen strokes, make them thin and thick, slanted and wobbly.
MNIST = AugmentConfig()
#: Pen renderings already vary in width and trajectory: milder, never thin further.
PEN = AugmentConfig(rotate_deg=6.0, shear=0.12, aspect=0.08, elastic=0.02, thickness=(0, 0, 0, 3))




def _thickness(x: torch.Tensor, ops: np.ndarray) -> torch.Tensor:
    out = x.clone()
    for k in np.unique(ops):
        if k == 0:
            continue
        sel = torch.from_numpy(np.flatnonzero(ops == k))
        size = int(abs(k))
        part = x[sel]
        if k > 0:
            part = F.max_pool2d(part, size, stride=1, padding=size // 2)
        else:
            part = -F.max_pool2d(-part, size, stride=1, padding=size // 2)
        out[sel] = part
    return out


def augment_batch(frames: np.ndarray, cfg: AugmentConfig, rng: np.random.Generator) -> np.ndarray:
    """(N, 28, 28) uint8 frames -> (N, 28, 28) float32 0..255 model frames (augmented, re-preprocessed)."""
    n = len(frames)
    if n == 0:
        return np.zeros((0, 28, 28), np.float32)
    # pad 28 -> 40 so the transformed ink never leaves the canvas; grid_sample straight to 3x resolution
    x = torch.from_numpy(np.ascontiguousarray(frames, dtype=np.float32) / 255.0).unsqueeze(1)
    x = F.pad(x, (6, 6, 6, 6))
    a = np.deg2rad(np.clip(rng.normal(0, cfg.rotate_deg, n), -2.5 * cfg.rotate_deg, 2.5 * cfg.rotate_deg))
    sh = np.clip(rng.normal(0, cfg.shear, n), -2.5 * cfg.shear, 2.5 * cfg.shear)
    sx, sy = np.exp(rng.normal(0, cfg.aspect, (2, n)))
    cos, sin = np.cos(a), np.sin(a)
    # output -> input coordinates: R @ Shear @ diag(1/sx, 1/sy); scale <1 around the centre keeps the ink inside
    theta = np.zeros((n, 2, 3), np.float32)
    theta[:, 0, 0] = (cos) / sx
    theta[:, 0, 1] = (cos * sh - sin) / sy
    theta[:, 1, 0] = (sin) / sx
    theta[:, 1, 1] = (sin * sh + cos) / sy
    lin = torch.linspace(-1, 1, COARSE)
    gy, gx = torch.meshgrid(lin, lin, indexing="ij")
    base = torch.stack([gx, gy, torch.ones_like(gx)], -1).reshape(-1, 3)  # (COARSE*COARSE, 3)
    coarse = torch.einsum("pk,njk->njp", base, torch.from_numpy(theta)).reshape(n, 2, COARSE, COARSE)
    if cfg.elastic > 0:
        noise = torch.from_numpy(rng.normal(0, cfg.elastic, (n, 2, 4, 4)).astype(np.float32))
        coarse = coarse + F.interpolate(noise, size=(COARSE, COARSE), mode="bicubic", align_corners=True)
    grid = F.interpolate(coarse, size=(CANVAS, CANVAS), mode="bilinear", align_corners=True).permute(0, 2, 3, 1)
    y = F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    y = _thickness(y, rng.choice(np.asarray(cfg.thickness), size=n))
    y = torch.where(y < 0.04, 0.0, y).mul_(255.0).round_().clamp_(0, 255)
    img = y.squeeze(1).to(torch.uint8).numpy()
    out = np.zeros((n, 28, 28), np.float32)
    for i in range(n):
        frame = to_mnist_28(img[i])
        if frame is not None:
            out[i] = frame
        else:  # augmentation erased the ink: fall back to the original frame re-preprocessed
            orig = to_mnist_28(np.ascontiguousarray(frames[i]))
            if orig is not None:
                out[i] = orig
    return out
