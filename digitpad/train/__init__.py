"""Reproducible training of models/digit.onnx (PyTorch; an optional extra, never imported by the app).

Only :mod:`digitpad.train.train`, :mod:`digitpad.train.augment` and :mod:`digitpad.train.model`
need torch; :mod:`digitpad.train.nondigits`, :mod:`digitpad.train.metrics` and
:mod:`digitpad.train.jitter` are numpy-only so the benchmarks can use them without torch.
"""


def main(argv: list[str] | None = None) -> int:
    from digitpad.train.train import main as _main

    return _main(argv)
