"""python -m digitpad.train --data DIR [--pen FILE | --pen-cache FILE] --out models/digit.onnx

Trains the digit CNN on MNIST (augmented for canvas drawings) plus real pen
drawings of the train writers rendered at random pen widths, with generated
non-digits pushed towards a uniform output.  Every image passes through the
app's own preprocessor.  Then fits the temperature on the val writers, chooses
the "not sure" threshold, exports ONNX (temperature folded in), checks ONNX
against torch and writes digit.json.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from digitpad.files import sha256_file
from digitpad.mnist import load_mnist
from digitpad.preprocess import PREPROCESS_VERSION, to_mnist_28
from digitpad.splits import DESCRIPTION as SPLIT_DESCRIPTION
from digitpad.train import metrics
from digitpad.train.augment import MNIST as MNIST_AUG
from digitpad.train.augment import PEN as PEN_AUG
from digitpad.train.augment import augment_batch
from digitpad.train.provenance import command_line
from digitpad.train.model import DigitNet, Exported
from digitpad.train.step import digit_and_reject_loss, update_average

EVAL_WIDTHS = (8, 16, 28)


def preprocess_all(images: np.ndarray, desc: str) -> np.ndarray:
    """(N, H, W) uint8 -> (N, 1, 28, 28) float32 through the shared preprocessor (blank -> zeros)."""
    out = np.zeros((len(images), 1, 28, 28), dtype=np.float32)
    for i, img in enumerate(tqdm(images, desc=desc, leave=False, mininterval=1.0)):
        frame = to_mnist_28(img)
        if frame is not None:
            out[i, 0] = frame / 255.0
    return out


def frames_u8(images: np.ndarray, desc: str) -> np.ndarray:
    return np.clip(np.rint(preprocess_all(images, desc)[:, 0] * 255.0), 0, 255).astype(np.uint8)


def as_input(frames: np.ndarray) -> np.ndarray:
    return (frames.astype(np.float32) / 255.0)[:, None]


def logits_of(net: nn.Module, x: np.ndarray, device: torch.device) -> np.ndarray:
    net.eval()
    out = []
    with torch.no_grad():
        for i in range(0, len(x), 2000):
            out.append(net(torch.from_numpy(x[i : i + 2000]).to(device)).float().cpu().numpy())
    return np.concatenate(out) if out else np.zeros((0, 10), np.float32)


def evaluate(net: nn.Module, x: np.ndarray, y: np.ndarray, device: torch.device) -> float:
    return float((logits_of(net, x, device).argmax(1) == y).mean()) if len(x) else float("nan")


def export_onnx(net: nn.Module, path: Path, temperature: float = 1.0) -> nn.Module:
    model = Exported(net.cpu().eval(), temperature).eval()
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(
        model,
        (torch.zeros(1, 1, 28, 28),),
        str(path),
        input_names=["image"],
        output_names=["probs", "features"],
        dynamic_axes={"image": {0: "n"}, "probs": {0: "n"}, "features": {0: "n"}},
        opset_version=17,
        dynamo=False,
    )
    return model


def verify_onnx(model: nn.Module, path: Path, x: np.ndarray) -> float:
    """Max |onnxruntime - torch| over the given inputs; must stay below 1e-4."""
    from digitpad.recognizer import Recognizer

    rec = Recognizer(path)
    with torch.no_grad():
        ref = model(torch.from_numpy(x))[0].numpy()
    return float(np.abs(rec.predict_batch(x) - ref).max())


class Pool:
    """Training images: raw uint8 (augmentation input), preprocessed uint8 frames, labels (-1 = non-digit)."""

    def __init__(self) -> None:
        self.raw: list[np.ndarray] = []
        self.frames: list[np.ndarray] = []
        self.labels: list[np.ndarray] = []
        self.source: list[np.ndarray] = []  # 0 = MNIST (strong augmentation), 1 = pen/non-digit (mild)

    def add(self, raw: np.ndarray, frames: np.ndarray, labels: np.ndarray, source: int) -> None:
        self.raw.append(raw)
        self.frames.append(frames)
        self.labels.append(labels.astype(np.int64))
        self.source.append(np.full(len(raw), source, np.int8))

    def finish(self) -> None:
        self.raw_all = np.concatenate(self.raw)
        self.frames_all = np.concatenate(self.frames)
        self.labels_all = np.concatenate(self.labels)
        self.source_all = np.concatenate(self.source)

    def __len__(self) -> int:
        return len(self.labels_all)


class EpochBatches(torch.utils.data.Dataset):
    """Item i = augmented batch i of one epoch (augmentation runs in the DataLoader workers)."""

    def __init__(self, pool: Pool, batches: list[np.ndarray], seed: int, epoch: int, p_aug: tuple[float, float]):
        self.pool, self.batches, self.seed, self.epoch, self.p_aug = pool, batches, seed, epoch, p_aug

    def __len__(self) -> int:
        return len(self.batches)

    def __getitem__(self, i: int):
        pool, idx = self.pool, self.batches[i]
        rng = np.random.default_rng([self.seed, self.epoch, i])
        x = pool.frames_all[idx].astype(np.float32)
        src = pool.source_all[idx]
        aug = rng.random(len(idx)) < np.where(src == 0, self.p_aug[0], self.p_aug[1])
        for s, cfg in ((0, MNIST_AUG), (1, PEN_AUG)):
            m = aug & (src == s)
            if m.any():
                x[m] = augment_batch(pool.raw_all[idx[m]], cfg, rng)
        return torch.from_numpy(x / 255.0).unsqueeze(1), torch.from_numpy(pool.labels_all[idx])


def _worker_init(_: int) -> None:
    torch.set_num_threads(1)


def load_pen(args: argparse.Namespace) -> dict[str, np.ndarray] | None:
    if args.pen_cache:
        with np.load(args.pen_cache) as z:
            return {k: z[k] for k in z.files}
    if args.pen:
        from digitpad.train.pen_cache import build  # needs PySide6 for rendering

        return build(Path(args.pen), args.pen_variants, args.nondigits, args.nondigits // 4, args.seed,
                     max(1, min(4, os.cpu_count() or 1)))
    return None


def calibrate_and_export(net: nn.Module, pen: dict | None, x_test: np.ndarray, test_lab: np.ndarray,
                         out: Path, max_digit_not_sure: float) -> dict:
    """Fit the temperature and the "not sure" threshold on the val writers, export ONNX, measure; -> digit.json."""
    net = net.cpu().eval()
    cpu = torch.device("cpu")
    accuracy = evaluate(net, x_test, test_lab, cpu)
    meta: dict = {}
    temperature = 1.0
    if pen is not None:
        val_logits = logits_of(net, as_input(pen["val_x"]), cpu)
        test_logits = logits_of(net, as_input(pen["test_x"]), cpu)
        temperature = metrics.fit_temperature(val_logits, pen["val_y"])
        val_probs = metrics.softmax(val_logits, temperature)
        test_probs = metrics.softmax(test_logits, temperature)
        nd_probs = metrics.softmax(logits_of(net, as_input(pen["nd_val_x"]), cpu), temperature)
        threshold = metrics.choose_threshold(val_probs.max(1), nd_probs.max(1), max_digit_not_sure)
        per_width = {}
        for w in EVAL_WIDTHS:
            m = pen["test_width"] == w
            per_width[str(w)] = round(float((test_probs[m].argmax(1) == pen["test_y"][m]).mean()), 5)
        meta = {
            "pen_test_accuracy_by_width": per_width,
            "pen_test_accuracy_spread": round(max(per_width.values()) - min(per_width.values()), 5),
            "pen_val_accuracy": round(float((val_probs.argmax(1) == pen["val_y"]).mean()), 5),
            "ece": round(metrics.ece(test_probs, pen["test_y"]), 5),
            "ece_val": round(metrics.ece(val_probs, pen["val_y"]), 5),
            "ece_uncalibrated": round(metrics.ece(metrics.softmax(test_logits), pen["test_y"]), 5),
            "not_sure_threshold": threshold,
            "not_sure_rate_digits_val": round(metrics.below_rate(val_probs.max(1), threshold), 5),
            "not_sure_rate_digits_test": round(metrics.below_rate(test_probs.max(1), threshold), 5),
            "not_sure_rate_nondigits_val": round(metrics.below_rate(nd_probs.max(1), threshold), 5),
        }
    exported = export_onnx(net, out, temperature)
    max_diff = verify_onnx(exported, out, x_test[:1000])
    if max_diff >= 1e-4:
        raise RuntimeError(f"ONNX output differs from torch by {max_diff:.2e} (limit 1e-4)")
    cache_meta = json.loads(str(pen["meta"])) if pen is not None and "meta" in pen else {}
    return {
        "model": out.name,
        "sha256": sha256_file(out),
        "size_bytes": out.stat().st_size,
        "parameters": int(sum(p.numel() for p in net.parameters())),
        "preprocess_version": PREPROCESS_VERSION,
        "mnist_test_accuracy": round(accuracy, 5),
        **meta,
        "onnx_max_abs_diff": max_diff,
        "temperature": round(temperature, 5),
        "calibration": "temperature fitted (min NLL) on the val writers' pen drawings at widths 8/16/28; "
                       "ece = 15-bin expected calibration error on the test writers (widths 8/16/28); "
                       "not_sure_threshold = highest top-probability threshold leaving <= "
                       f"{max_digit_not_sure:.1%} of val-writer digits below it",
        "split": SPLIT_DESCRIPTION,
        "pen_cache": cache_meta,
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m digitpad.train", description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True, help="folder with MNIST's IDX files")
    ap.add_argument("--pen", help="pen-digits .jsonl.gz, rendered here (needs PySide6)")
    ap.add_argument("--pen-cache", help="a .npz made by python -m digitpad.train.pen_cache (instead of --pen)")
    ap.add_argument("--pen-variants", type=int, default=4, help="renderings per train drawing with --pen")
    ap.add_argument("--nondigits", type=int, default=8000, help="generated non-digits with --pen")
    ap.add_argument("--out", default="models/digit.onnx")
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--batch-size", type=int, default=256)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--width", type=int, default=32, help="channels of the first conv block")
    ap.add_argument("--nondigit-weight", type=float, default=0.5, help="weight of the uniform-target loss")
    ap.add_argument("--mnist-aug", type=float, default=0.85, help="share of MNIST images augmented")
    ap.add_argument("--pen-aug", type=float, default=0.5, help="share of pen/non-digit images augmented")
    ap.add_argument("--max-digit-not-sure", type=float, default=0.01,
                    help="share of val-writer digits allowed below the 'not sure' threshold")
    ap.add_argument("--limit", type=int, default=0, help="use only this many MNIST images (smoke runs)")
    ap.add_argument("--workers", type=int, default=-1, help="DataLoader workers (-1: CPUs - 1, at most 12)")
    ap.add_argument("--device", default="auto", help="auto, cpu or cuda")
    ap.add_argument("--threads", type=int, default=0,
                    help="torch threads of the training process (0: torch's default); shared machines want 1")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--ema", type=float, default=0.999, help="decay of the weight average that is exported")
    ap.add_argument("--checkpoint", help="also save the trained torch weights here (.pt)")
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    argv = argv if argv is not None else sys.argv[1:]
    torch.manual_seed(args.seed)
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    rng = np.random.default_rng(args.seed)
    device = torch.device("cuda" if args.device == "auto" and torch.cuda.is_available() else
                          ("cpu" if args.device == "auto" else args.device))
    started = time.time()
    train_img, train_lab = load_mnist(args.data, "train")
    test_img, test_lab = load_mnist(args.data, "test")
    if args.limit:
        idx = rng.permutation(len(train_img))[: args.limit]
        train_img, train_lab = train_img[idx], train_lab[idx]
        test_img, test_lab = test_img[: max(args.limit // 5, 10)], test_lab[: max(args.limit // 5, 10)]
    x_test = preprocess_all(test_img, "preprocess MNIST test")
    pool = Pool()
    pool.add(train_img, frames_u8(train_img, "preprocess MNIST train"), train_lab, 0)
    pen = load_pen(args)
    if pen is not None and "meta" in pen:
        version = json.loads(str(pen["meta"])).get("preprocess_version")
        if version != PREPROCESS_VERSION:
            print(f"error: pen cache made with preprocess version {version}, this is {PREPROCESS_VERSION}; "
                  "rebuild it (python -m digitpad.train.pen_cache)", file=sys.stderr)
            return 2
    if pen is not None:
        pool.add(pen["train_x"], pen["train_x"], pen["train_y"], 1)
        pool.add(pen["nd_train_x"], pen["nd_train_x"], np.full(len(pen["nd_train_x"]), -1), 1)
    pool.finish()
    print(f"training images per epoch: {len(pool)} (MNIST {len(train_img)}"
          + (f", pen {len(pen['train_x'])}, non-digits {len(pen['nd_train_x'])})" if pen else ")"), flush=True)

    net = DigitNet(args.width).to(device)
    opt = torch.optim.AdamW(net.parameters(), lr=args.lr, weight_decay=5e-4)
    per_epoch = (len(pool) + args.batch_size - 1) // args.batch_size
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=max(args.epochs * per_epoch, 1),
                                                pct_start=0.15)
    ema = copy.deepcopy(net).eval()  # exponential moving average of the weights (and BN statistics) ships
    ema_step = 0
    workers = args.workers if args.workers >= 0 else max(0, min(12, (os.cpu_count() or 1) - 1))
    for epoch in range(args.epochs):
        net.train()
        order = rng.permutation(len(pool))
        batches = [order[i : i + args.batch_size] for i in range(0, len(order), args.batch_size)]
        ds = EpochBatches(pool, batches, args.seed, epoch, (args.mnist_aug, args.pen_aug))
        loader = torch.utils.data.DataLoader(ds, batch_size=None, shuffle=False, num_workers=workers,
                                             worker_init_fn=_worker_init if workers else None,
                                             prefetch_factor=4 if workers else None)
        bar = tqdm(loader, desc=f"epoch {epoch + 1}/{args.epochs}", mininterval=2.0)
        t0 = time.time()
        for xb, yb in bar:
            xb, yb = xb.to(device, non_blocking=True), yb.to(device, non_blocking=True)
            loss = digit_and_reject_loss(net(xb), yb, args.nondigit_weight)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            ema_step += 1
            update_average(ema, net, ema_step, args.ema)
            bar.set_postfix(loss=f"{loss.item():.3f}", refresh=False)
        line = f"epoch {epoch + 1}: {time.time() - t0:.0f} s, MNIST test {evaluate(ema, x_test, test_lab, device):.4f}"
        if pen is not None:
            for w in EVAL_WIDTHS:
                m = pen["val_width"] == w
                line += f", val-writers w{w} {evaluate(ema, as_input(pen['val_x'][m]), pen['val_y'][m], device):.4f}"
        print(line, flush=True)

    net = ema.cpu().eval()
    if args.checkpoint:
        torch.save({"width": args.width, "state_dict": net.state_dict()}, args.checkpoint)
    return export_with_metadata(net, pen, x_test, test_lab, Path(args.out), args.max_digit_not_sure, {
        "training_seconds": round(time.time() - started, 1),
        "device": str(device) + (f" ({torch.cuda.get_device_name(0)})" if device.type == "cuda" else
                                 f" ({platform.processor() or platform.machine()}, {os.cpu_count()} CPUs)"),
        "torch": torch.__version__,
        "command": command_line("python -m digitpad.train", argv),
    })


def export_with_metadata(net: nn.Module, pen: dict | None, x_test: np.ndarray, test_labels: np.ndarray, out: Path,
                         max_digit_not_sure: float, facts: dict) -> int:
    """Calibrate, export and write digit.json (calibration figures + ``facts``); the exit status."""
    try:
        meta = calibrate_and_export(net, pen, x_test, test_labels, out, max_digit_not_sure)
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    meta.update(facts)
    out.with_suffix(".json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(meta, indent=2))
    return 0
