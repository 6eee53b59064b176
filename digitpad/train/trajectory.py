"""python -m digitpad.train.trajectory --data PEN.jsonl.gz [--nondigits-real FILE] --out models/trajectory.onnx

Trains the trajectory recognizer (:mod:`digitpad.train.trajectory_model`) on the
train writers (:mod:`digitpad.splits`) of the pen digits, every drawing as written
plus ``--variants`` stroke-augmented copies (:mod:`digitpad.train.stroke_augment`),
with generated non-digits and the train writers' real pen-drawn letters and
symbols pushed towards a uniform output (as the image model does).  Every input
goes through the one trajectory preprocessor, :func:`digitpad.trajectory.trajectory_features`.
Then it fits the temperature on the val writers, chooses the "not sure" threshold
(at most 1 % of val digits below it), exports ONNX with two outputs -- ``probs``
(N, 10; temperature and softmax inside the graph) and ``features`` (N, D pooled)
-- checks onnxruntime against torch and writes trajectory.json beside it.
CPU only is fine: a few minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import torch

from digitpad.drawing import Drawing, iter_jsonl
from digitpad.files import sha256_file
from digitpad.splits import DESCRIPTION as SPLIT_DESCRIPTION
from digitpad.splits import split_of
from digitpad.train import metrics
from digitpad.train.nondigits import make_nondigits
from digitpad.train.provenance import command_line
from digitpad.train.stroke_augment import augment
from digitpad.train.step import digit_and_reject_loss, update_average
from digitpad.train.trajectory_model import ExportedTrajectory, TrajectoryNet
from digitpad.trajectory import FEATURES, POINTS, TRAJECTORY_VERSION, trajectory_features


def _features_job(job: tuple[list[dict], int, int, float]) -> np.ndarray:
    """(drawings as dicts, variants, seed, form rate) -> (len * variants, POINTS, FEATURES);
    variant 0 is the drawing as written."""
    from digitpad.drawing import from_dict

    raw, variants, seed, form_rate = job
    rng = np.random.default_rng(seed)
    out = np.zeros((len(raw) * variants, POINTS, len(FEATURES)), np.float32)
    for i, data in enumerate(raw):
        d = from_dict(data)
        for v in range(variants):
            f = trajectory_features(augment(d, rng, form_rate) if v else d)
            if f is not None:
                out[i * variants + v] = f
    return out


def features_of(drawings: list[Drawing], variants: int, seed: int, workers: int, form_rate: float = 0.3) -> np.ndarray:
    """Features of every drawing x variants (in that order), computed in ``workers`` processes."""
    chunk = 250
    jobs = [([d.to_dict() for d in drawings[i : i + chunk]], variants, seed * 100_003 + i, form_rate)
            for i in range(0, len(drawings), chunk)]
    if not jobs:
        return np.zeros((0, POINTS, len(FEATURES)), np.float32)
    if workers <= 1:
        return np.concatenate([_features_job(j) for j in jobs])
    with ProcessPoolExecutor(workers) as pool:
        return np.concatenate(list(pool.map(_features_job, jobs)))


def logits_of(net: TrajectoryNet, x: np.ndarray) -> np.ndarray:
    net.eval()
    with torch.no_grad():
        parts = [net(torch.from_numpy(x[i : i + 4096])).numpy() for i in range(0, len(x), 4096)]
    return np.concatenate(parts) if parts else np.zeros((0, 10), np.float32)


def export_onnx(net: TrajectoryNet, path: Path, temperature: float) -> ExportedTrajectory:
    model = ExportedTrajectory(net.cpu().eval(), temperature).eval()
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(
        model, (torch.zeros(1, POINTS, len(FEATURES)),), str(path),
        input_names=["trajectory"], output_names=["probs", "features"],
        dynamic_axes={"trajectory": {0: "n"}, "probs": {0: "n"}, "features": {0: "n"}},
        opset_version=17, dynamo=False,
    )
    return model


def verify_onnx(model: ExportedTrajectory, path: Path, x: np.ndarray) -> float:
    """Max |onnxruntime - torch| over both outputs."""
    import onnxruntime as ort

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    probs, feats = session.run(["probs", "features"], {"trajectory": x})
    with torch.no_grad():
        ref_p, ref_f = (t.numpy() for t in model(torch.from_numpy(x)))
    return float(max(np.abs(probs - ref_p).max(), np.abs(feats - ref_f).max()))


def load_split(path: str, digits: bool, exclude: tuple[str, ...] = ()) -> dict[str, list[Drawing]]:
    """Drawings by writer split; those of the ``exclude`` collections all go to "test" (a
    leave-one-collection-out fold trains and calibrates without them)."""
    from digitpad.train.loco import collection_of

    drawings = [d for d in iter_jsonl(path) if d.strokes and (d.label is not None or not digits)]
    out: dict[str, list[Drawing]] = {"train": [], "val": [], "test": []}
    for d in drawings:
        held = collection_of(d.writer or "") in exclude
        out["test" if held else split_of(d.writer or "")].append(d)
    if exclude:
        out["test"] = [d for d in out["test"] if collection_of(d.writer or "") in exclude]
    return out


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m digitpad.train.trajectory", description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True, help="pen-digits .jsonl.gz (label + writer per drawing)")
    ap.add_argument("--nondigits-real", help="pen-nondigits .jsonl.gz: its train writers are trained as non-digits")
    ap.add_argument("--out", default="models/trajectory.onnx")
    ap.add_argument("--exclude-collections", default="",
                    help="comma-separated collections (writer prefix) never trained or calibrated on; "
                         "they become the test set (leave-one-collection-out)")
    ap.add_argument("--variants", type=int, default=16, help="copies per train drawing (the first as written)")
    ap.add_argument("--real-variants", type=int, default=4, help="copies per real train non-digit")
    ap.add_argument("--nondigits", type=int, default=12000, help="generated non-digits for training")
    ap.add_argument("--form-rate", type=float, default=0.3, help="share of 0/1/7 copies given a world form")
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--batch-size", type=int, default=256)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--width", type=int, default=64)
    ap.add_argument("--nondigit-weight", type=float, default=0.5)
    ap.add_argument("--max-digit-not-sure", type=float, default=0.01)
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    ap.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1), help="feature processes")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--ema", type=float, default=0.998)
    ap.add_argument("--checkpoint", help="also save the torch weights here (.pt)")
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    argv = argv if argv is not None else sys.argv[1:]
    started = time.time()
    torch.manual_seed(args.seed)
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    rng = np.random.default_rng(args.seed)
    exclude = tuple(c for c in args.exclude_collections.split(",") if c)
    pen = load_split(args.data, digits=True, exclude=exclude)
    x_train = features_of(pen["train"], args.variants, args.seed, args.workers, args.form_rate)
    y_train = np.repeat(np.asarray([d.label for d in pen["train"]], np.int64), args.variants)
    nd = features_of(make_nondigits(args.nondigits, args.seed + 1000), 1, args.seed + 1, args.workers)
    nd_val = features_of(make_nondigits(max(args.nondigits // 4, 1), args.seed + 2000), 1, args.seed + 2, 1)
    real_counts = {}
    if args.nondigits_real:
        real = load_split(args.nondigits_real, digits=False, exclude=exclude)
        real_counts = {k: len(v) for k, v in real.items()}
        nd = np.concatenate([nd, features_of(real["train"], args.real_variants, args.seed + 3, args.workers)])
        real_val = features_of(real["val"], 1, 0, 1)
    x_train = np.concatenate([x_train, nd])
    y_train = np.concatenate([y_train, np.full(len(nd), -1, np.int64)])
    x_val = features_of(pen["val"], 1, 0, 1)
    y_val = np.asarray([d.label for d in pen["val"]], np.int64)
    x_test = features_of(pen["test"], 1, 0, 1)
    y_test = np.asarray([d.label for d in pen["test"]], np.int64)
    print(f"features ready in {time.time() - started:.0f} s: train {len(x_train)} (digits "
          f"{int((y_train >= 0).sum())}, non-digits {len(nd)}), val {len(x_val)}, test {len(x_test)}", flush=True)

    net = TrajectoryNet(len(FEATURES), args.width)
    opt = torch.optim.AdamW(net.parameters(), lr=args.lr, weight_decay=5e-4)
    per_epoch = (len(x_train) + args.batch_size - 1) // args.batch_size
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=args.epochs * per_epoch,
                                                pct_start=0.15)
    ema = copy.deepcopy(net).eval()
    step = 0
    xt, yt = torch.from_numpy(x_train), torch.from_numpy(y_train)
    for epoch in range(args.epochs):
        net.train()
        t0 = time.time()
        order = torch.from_numpy(rng.permutation(len(xt)))
        for i in range(0, len(order), args.batch_size):
            idx = order[i : i + args.batch_size]
            xb, yb = xt[idx], yt[idx]
            loss = digit_and_reject_loss(net(xb), yb, args.nondigit_weight)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            step += 1
            update_average(ema, net, step, args.ema)
        val_acc = float((logits_of(ema, x_val).argmax(1) == y_val).mean())
        print(f"epoch {epoch + 1}/{args.epochs}: {time.time() - t0:.0f} s, loss {loss.item():.3f}, "
              f"val writers {val_acc:.4f}", flush=True)

    net = ema.cpu().eval()
    if args.checkpoint:
        torch.save({"width": args.width, "state_dict": net.state_dict()}, args.checkpoint)
    val_logits, test_logits = logits_of(net, x_val), logits_of(net, x_test)
    temperature = metrics.fit_temperature(val_logits, y_val)
    val_p, test_p = metrics.softmax(val_logits, temperature), metrics.softmax(test_logits, temperature)
    nd_p = metrics.softmax(logits_of(net, nd_val), temperature)
    threshold = metrics.choose_threshold(val_p.max(1), nd_p.max(1), args.max_digit_not_sure)
    out = Path(args.out)
    exported = export_onnx(net, out, temperature)
    max_diff = verify_onnx(exported, out, x_test[:1000])
    if max_diff >= 1e-4:
        print(f"error: ONNX output differs from torch by {max_diff:.2e} (limit 1e-4)", file=sys.stderr)
        return 1
    meta = {
        "model": out.name,
        "sha256": sha256_file(out),
        "size_bytes": out.stat().st_size,
        "parameters": int(sum(p.numel() for p in net.parameters())),
        "trajectory_version": TRAJECTORY_VERSION,
        "points": POINTS,
        "features": list(FEATURES),
        "feature_dim": net.dim,
        "outputs": {"probs": "(N, 10) softmax(logits / temperature)", "features": f"(N, {net.dim}) pooled"},
        "pen_test_accuracy": round(float((test_p.argmax(1) == y_test).mean()), 5),
        "pen_val_accuracy": round(float((val_p.argmax(1) == y_val).mean()), 5),
        "ece": round(metrics.ece(test_p, y_test), 5),
        "ece_uncalibrated": round(metrics.ece(metrics.softmax(test_logits), y_test), 5),
        "temperature": round(temperature, 5),
        "not_sure_threshold": threshold,
        "not_sure_rate_digits_val": round(metrics.below_rate(val_p.max(1), threshold), 5),
        "not_sure_rate_digits_test": round(metrics.below_rate(test_p.max(1), threshold), 5),
        "not_sure_rate_nondigits_val": round(metrics.below_rate(nd_p.max(1), threshold), 5),
        "onnx_max_abs_diff": max_diff,
        "calibration": "temperature fitted (min NLL) on the val writers' drawings; ece = 15-bin expected "
                       "calibration error on the test writers; not_sure_threshold = highest top-probability "
                       f"threshold leaving <= {args.max_digit_not_sure:.1%} of val-writer digits below it",
        "split": SPLIT_DESCRIPTION,
        "training_drawings": {"digits": len(pen["train"]), "variants": args.variants,
                              "generated_nondigits": args.nondigits, "real_nondigits_by_split": real_counts,
                              "real_variants": args.real_variants,
                              "excluded_collections": list(exclude)},
        "training_seconds": round(time.time() - started, 1),
        "device": f"cpu ({platform.processor() or platform.machine()}, {os.cpu_count()} CPUs)",
        "torch": torch.__version__,
        "command": command_line("python -m digitpad.train.trajectory", argv),
    }
    if args.nondigits_real:
        real_p = metrics.softmax(logits_of(net, real_val), temperature)
        meta["not_sure_rate_real_nondigits_val"] = round(metrics.below_rate(real_p.max(1), threshold), 5)
    out.with_suffix(".json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(meta, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
