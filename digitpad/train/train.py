"""python -m digitpad.train --data DIR --out models/digit.onnx

Trains the digit CNN on MNIST, with every image passed through the app's own
preprocessor, exports ONNX, checks ONNX against torch and writes digit.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shlex
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from digitpad.mnist import load_mnist
from digitpad.preprocess import PREPROCESS_VERSION, to_mnist_28
from digitpad.train.model import DigitNet, Exported


def preprocess_all(images: np.ndarray, desc: str) -> np.ndarray:
    """(N, H, W) uint8 -> (N, 1, 28, 28) float32 through the shared preprocessor (blank -> zeros)."""
    out = np.zeros((len(images), 1, 28, 28), dtype=np.float32)
    for i, img in enumerate(tqdm(images, desc=desc, leave=False, mininterval=1.0)):
        frame = to_mnist_28(img)
        if frame is not None:
            out[i, 0] = frame / 255.0
    return out


def evaluate(net: nn.Module, x: np.ndarray, y: np.ndarray, device: torch.device) -> float:
    net.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x), 1000):
            xb = torch.from_numpy(x[i : i + 1000]).to(device)
            correct += (net(xb).argmax(1).cpu().numpy() == y[i : i + 1000]).sum()
    return float(correct) / len(x)


def export_onnx(net: nn.Module, path: Path, temperature: float = 1.0) -> nn.Module:
    model = Exported(net.cpu().eval(), temperature).eval()
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(
        model,
        (torch.zeros(1, 1, 28, 28),),
        str(path),
        input_names=["image"],
        output_names=["probs"],
        dynamic_axes={"image": {0: "n"}, "probs": {0: "n"}},
        opset_version=17,
        dynamo=False,
    )
    return model


def verify_onnx(model: nn.Module, path: Path, x: np.ndarray) -> float:
    """Max |onnxruntime - torch| over the given inputs; must stay below 1e-4."""
    from digitpad.recognizer import Recognizer

    rec = Recognizer(path)
    with torch.no_grad():
        ref = model(torch.from_numpy(x)).numpy()
    return float(np.abs(rec.predict_batch(x) - ref).max())


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m digitpad.train", description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True, help="folder with MNIST's IDX files")
    ap.add_argument("--out", default="models/digit.onnx")
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--limit", type=int, default=0, help="use only this many training images (smoke runs)")
    ap.add_argument("--device", default="auto", help="auto, cpu or cuda")
    ap.add_argument("--seed", type=int, default=0)
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    torch.manual_seed(args.seed)
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
    x_train = preprocess_all(train_img, "preprocess train")
    x_test = preprocess_all(test_img, "preprocess test")
    y_train = train_lab.astype(np.int64)

    net = DigitNet().to(device)
    opt = torch.optim.AdamW(net.parameters(), lr=args.lr, weight_decay=1e-4)
    steps = args.epochs * ((len(x_train) + args.batch_size - 1) // args.batch_size)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=max(steps, 1))
    loss_fn = nn.CrossEntropyLoss(label_smoothing=0.05)
    for epoch in range(args.epochs):
        net.train()
        order = rng.permutation(len(x_train))
        bar = tqdm(range(0, len(order), args.batch_size), desc=f"epoch {epoch + 1}/{args.epochs}", mininterval=1.0)
        for i in bar:
            b = order[i : i + args.batch_size]
            xb = torch.from_numpy(x_train[b]).to(device)
            yb = torch.from_numpy(y_train[b]).to(device)
            loss = loss_fn(net(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            bar.set_postfix(loss=f"{loss.item():.3f}", refresh=False)
        print(f"epoch {epoch + 1}: MNIST test accuracy {evaluate(net, x_test, test_lab, device):.4f}", flush=True)

    accuracy = evaluate(net, x_test, test_lab, device)
    out = Path(args.out)
    exported = export_onnx(net, out)
    max_diff = verify_onnx(exported, out, x_test[:1000])
    if max_diff >= 1e-4:
        print(f"error: ONNX output differs from torch by {max_diff:.2e} (limit 1e-4)", file=sys.stderr)
        return 1
    meta = {
        "model": out.name,
        "sha256": sha256(out),
        "size_bytes": out.stat().st_size,
        "parameters": int(sum(p.numel() for p in net.parameters())),
        "preprocess_version": PREPROCESS_VERSION,
        "mnist_test_accuracy": round(accuracy, 5),
        "onnx_max_abs_diff": max_diff,
        "temperature": 1.0,
        "training_seconds": round(time.time() - started, 1),
        "device": str(device),
        "command": "python -m digitpad.train " + " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:])),
    }
    out.with_suffix(".json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(meta, indent=2))
    return 0
