"""Leave-one-collection-out: accuracy and calibration on pen collections a model never trained on.

    nice -n 19 python benchmarks/loco.py --data ../shared/data/pen-digits/unipen-dev.jsonl.gz \
        --mnist ../shared/data/mnist --work .cache/loco --json loco.json [--folds syn,apb] [--skip-proxy-check] \
        --real-nondigits ../shared/data/pen-nondigits/unipen-nondigits-dev.jsonl.gz [--scan-rate R] [--image-real-nondigits]
    nice -n 10 python benchmarks/loco.py --data ../shared/data/pen-digits/unipen-dev.jsonl.gz \
        --mnist ../shared/data/mnist --work .cache/loco --trajectory --json loco-trajectory.json [--folds syn,apa] \
        --real-nondigits ../shared/data/pen-nondigits/unipen-nondigits-dev.jsonl.gz [--scan-rate R] [--image-real-nondigits]

(The second with the first's ``--scan-rate`` and ``--image-real-nondigits``: it reuses the first's renderings and
fold image models; ``--real-nondigits`` is the trajectory recipe's.  Use the settings the shipped image model was
trained with, recorded in models/digit.json's ``pen_cache``.)

About 4-5 minutes per training on 2 shared CPU cores (8 trainings: 7 folds + the proxy check).

1. Renders every drawing once with the app's renderer and preprocessor (cached in
   ``--work``): training renderings of the train writers (``--variants`` each, the
   pen-cache recipe: as drawn, then jittered / continental forms, random width 3..40 px)
   and every drawing as drawn at 8, 16 and 28 px.
2. Scores the **shipped** model per collection (all writers: it trained on the train
   writers of every collection, so this is the flattering in-distribution view; and its
   held-out test writers only).
3. Trains the **proxy recipe** (the unchanged ``python -m digitpad.train`` on fewer MNIST
   images, fewer pen renderings and epochs, see ``--epochs/--mnist-limit/--variants``)
   once on the ordinary writer split, to compare with the full recipe's test-writer figure,
   and once per fold of ``digitpad.train.loco.FOLDS`` without that collection; each
   model is scored on the left-out collection at 8/16/28 px: accuracy, expected
   calibration error (15 bins, widths pooled), "not sure" rate with the fold's own threshold.
4. With ``--trajectory`` (after the sweep, whose fold image models it reuses): trains the
   trajectory model (``python -m digitpad.train.trajectory``, a shorter recipe) without each
   fold's collections, fits the fusion (digitpad.train.fusion_fit) on the fold's val writers
   and scores image alone, trajectory alone and fused on the left-out collection.  Both fold
   models' answers on the left-out collections are kept in ``--work/folds/NAME/strangers.npz``:
   the data ``fusion_fit --strangers`` calibrates on and ``benchmarks/stranger_calibration.py``
   measures.
Per collection, mean over collections and worst; JSON is rewritten after every fold,
so an interrupted sweep keeps what it finished.  Needs torch (training) and PySide6 (rendering).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from digitpad.drawing import iter_jsonl  # noqa: E402
from digitpad.recognizer import Recognizer  # noqa: E402
from digitpad.splits import split_of  # noqa: E402
from digitpad.train.loco import FOLDS, collection_of, fold_cache, save_strangers  # noqa: E402
from digitpad.train.metrics import below_rate, ece  # noqa: E402

WIDTHS = (8, 16, 28)
CACHE_VERSION = 2  # 2: scanned forms and real non-digits possible (their settings are in the file name)


def build_cache(data: Path, variants: int, n_nondigits: int, seed: int, workers: int,
                real_nondigits: str | None = None, scan_rate: float = 0.0) -> dict[str, np.ndarray]:
    """Every rendering the sweep needs, made once (the pen-cache recipe, keyed by collection)."""
    from digitpad.preprocess import PREPROCESS_VERSION
    from digitpad.train.nondigits import make_nondigits
    from digitpad.train.pen_cache import nondigit_jobs, real_nondigit_jobs, render_many, training_variants

    rng = np.random.default_rng(seed)
    drawings = [d for d in iter_jsonl(data) if d.label is not None]
    cols = [collection_of(d.writer or "") for d in drawings]
    splits = [split_of(d.writer or "") for d in drawings]
    var_jobs, var_y, var_col, var_split = [], [], [], []
    for d, c, s in zip(drawings, cols, splits):
        if s != "train":
            continue
        for job in training_variants(d, variants, rng, scan_rate):
            var_jobs.append(job)
            var_y.append(d.label)
            var_col.append(c)
            var_split.append(s)
    eval_jobs = [(d, float(w)) for w in WIDTHS for d in drawings]
    nd = make_nondigits(n_nondigits, seed + 1000)
    ndv = make_nondigits(max(n_nondigits // 4, 1), seed + 2000)
    nd_jobs = nondigit_jobs(nd, rng, scan_rate)  # drawn before the real ones, in pen_cache.build's order
    real = [d for d in iter_jsonl(real_nondigits) if d.strokes and split_of(d.writer or "") == "train"] \
        if real_nondigits else []
    extra = {}
    if real:  # the pen-cache recipe's real non-digits: train writers only, 2 renderings each
        extra["nd_real_x"] = render_many(real_nondigit_jobs(real, 2, rng, scan_rate), workers,
                                         "render real non-digits")
        extra["nd_real_col"] = np.repeat(np.asarray([collection_of(d.writer or "") for d in real]), 2)
    return extra | {
        "var_x": render_many(var_jobs, workers, "render training variants"),
        "var_y": np.asarray(var_y, np.int64), "var_col": np.asarray(var_col), "var_split": np.asarray(var_split),
        "eval_x": render_many(eval_jobs, workers, "render 8/16/28 px"),
        "eval_y": np.tile(np.asarray([d.label for d in drawings], np.int64), len(WIDTHS)),
        "eval_col": np.tile(np.asarray(cols), len(WIDTHS)),
        "eval_split": np.tile(np.asarray(splits), len(WIDTHS)),
        "eval_width": np.repeat(np.asarray(WIDTHS, np.int32), len(drawings)),
        "nd_train_x": render_many(nd_jobs, workers, "render non-digits"),
        "nd_val_x": render_many([(d, float(WIDTHS[i % 3])) for i, d in enumerate(ndv)], workers,
                                "render non-digits (val)"),
        "meta": np.array(json.dumps({"preprocess_version": PREPROCESS_VERSION, "source": str(data),
                                     "variants": variants, "seed": seed, "loco_cache_version": CACHE_VERSION,
                                     "real_nondigits": str(real_nondigits) if real else None,
                                     "scan_rate": scan_rate})),
    }


def load_or_build(args: argparse.Namespace) -> dict[str, np.ndarray]:
    real = "-real" if args.image_real_nondigits else ""
    path = Path(args.work) / (f"cache-v{CACHE_VERSION}-var{args.variants}-nd{args.nondigits}{real}"
                              f"-scan{args.scan_rate:g}-seed{args.seed}.npz")
    if not path.exists():
        t = time.time()
        arrays = build_cache(Path(args.data), args.variants, args.nondigits, args.seed, args.workers,
                             args.real_nondigits if args.image_real_nondigits else None, args.scan_rate)
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(path, **arrays)
        print(f"rendered {path} in {time.time() - t:.0f} s", flush=True)
    with np.load(path) as z:
        return {k: z[k] for k in z.files}


def probs_of(model: Path | None, frames: np.ndarray) -> tuple[np.ndarray, float]:
    rec = Recognizer(model)
    x = (frames.astype(np.float32) / 255.0)[:, None]
    probs = np.concatenate([rec.predict_batch(x[i : i + 1024]) for i in range(0, len(x), 1024)])
    return probs, rec.not_sure_threshold


def score(probs: np.ndarray, labels: np.ndarray, widths: np.ndarray, threshold: float) -> dict:
    """Accuracy per width, ECE (widths pooled) and the "not sure" rate of one set of real digits."""
    ok = probs.argmax(1) == labels
    return {
        "drawings": int(len(labels) // len(WIDTHS)),
        "accuracy_by_width": {str(w): round(float(ok[widths == w].mean()), 5) for w in WIDTHS},
        "accuracy": round(float(ok.mean()), 5),
        "ece": round(ece(probs, labels), 5),
        "not_sure_rate": round(below_rate(probs.max(1), threshold), 5),
    }


def per_collection(probs: np.ndarray, cache: dict, mask: np.ndarray, threshold: float,
                   collections: tuple[str, ...]) -> dict[str, dict]:
    out = {}
    for c in collections:
        m = mask & (cache["eval_col"] == c)
        if m.any():
            out[c] = score(probs[m], cache["eval_y"][m], cache["eval_width"][m], threshold)
    return out


#: Collections with their own fold; the four others have 108 drawings together (3 to 18 test
#: writers' drawings each), too few for a mean or a worst case to mean much on their own.
LARGE = 100


def summaries(rows: dict[str, dict]) -> dict:
    """``summary`` over every collection and over the collections with >= LARGE drawings."""
    large = {c: r for c, r in rows.items() if r["drawings"] >= LARGE}
    return {"all": summary(rows), f"collections_with_{LARGE}_drawings_or_more": summary(large)}


def summary(rows: dict[str, dict]) -> dict:
    """Mean over collections (each counts once), worst collection, pooled over drawings."""
    if not rows:
        return {}
    out: dict = {"collections": len(rows)}
    for w in WIDTHS:
        accs = {c: r["accuracy_by_width"][str(w)] for c, r in rows.items()}
        worst = min(accs, key=accs.get)
        out[f"w{w}"] = {"mean": round(float(np.mean(list(accs.values()))), 5), "worst": accs[worst],
                        "worst_collection": worst}
    eces = {c: r["ece"] for c, r in rows.items()}
    worst = max(eces, key=eces.get)
    n = {c: r["drawings"] for c, r in rows.items()}
    out["ece"] = {"mean": round(float(np.mean(list(eces.values()))), 5), "worst": eces[worst],
                  "worst_collection": worst}
    out["pooled_accuracy"] = round(sum(rows[c]["accuracy"] * n[c] for c in rows) / sum(n.values()), 5)
    out["not_sure_rate_mean"] = round(float(np.mean([r["not_sure_rate"] for r in rows.values()])), 5)
    return out


def train_fold(name: str, arrays: dict, args: argparse.Namespace) -> tuple[Path, float, list[str]]:
    folder = Path(args.work) / "folds" / name.replace("+", "_")
    folder.mkdir(parents=True, exist_ok=True)
    np.savez(folder / "pen.npz", **arrays)
    cmd = [sys.executable, "-m", "digitpad.train", "--data", args.mnist, "--pen-cache", str(folder / "pen.npz"),
           "--epochs", str(args.epochs), "--limit", str(args.mnist_limit), "--width", str(args.width),
           "--device", "cpu", "--threads", str(args.threads), "--workers", "1", "--seed", str(args.seed),
           "--out", str(folder / "digit.onnx")]
    t = time.time()
    with open(folder / "train.log", "w", encoding="utf-8") as log:
        subprocess.run(cmd, check=True, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT,
                       env={**os.environ, "TQDM_DISABLE": "1"})
    (folder / "pen.npz").unlink()
    return folder / "digit.onnx", time.time() - t, ["python"] + cmd[1:]


def table(result: dict) -> str:
    lines = [f"{'collection':<10} {'n':>5} | {'shipped (in-distribution)':^31} | {'left out (proxy recipe)':^40}",
             f"{'':<10} {'':>5} | {'w8':>7} {'w16':>7} {'w28':>7} {'ECE':>7} | "
             f"{'w8':>7} {'w16':>7} {'w28':>7} {'ECE':>7} {'unsure':>8}"]
    ship, loco = result["shipped"]["all_writers"], result["loco"]
    for c in ship:
        s = ship[c]
        row = f"{c:<10} {s['drawings']:>5} | " + " ".join(f"{s['accuracy_by_width'][str(w)]:>7.2%}" for w in WIDTHS)
        row += f" {s['ece']:>7.2%} | "
        if c in loco:
            r = loco[c]
            row += " ".join(f"{r['accuracy_by_width'][str(w)]:>7.2%}" for w in WIDTHS)
            row += f" {r['ece']:>7.2%} {r['not_sure_rate']:>8.2%}"
        else:
            row += "(not run)"
        lines.append(row)
    for label, key, scope in (("mean", "mean", "all"), ("worst", "worst", "all"),
                              (f"mean>={LARGE}", "mean", f"collections_with_{LARGE}_drawings_or_more"),
                              (f"worst>={LARGE}", "worst", f"collections_with_{LARGE}_drawings_or_more")):
        row = f"{label:<10} {'':>5} | "
        for which in ("shipped_all_writers", "loco"):
            s = result["summary"].get(which, {}).get(scope, {})
            if not s:
                row += "(none) | "
                continue
            row += " ".join(f"{s[f'w{w}'][key]:>7.2%}" for w in WIDTHS) + f" {s['ece'][key]:>7.2%}"
            row += f" {s['not_sure_rate_mean']:>8.2%}" if which == "loco" and key == "mean" else ""
            row += " | " if which != "loco" else ""
        lines.append(row)
    lines += ["", "shipped model, its held-out test writers only (collections it trained on):",
              f"{'collection':<10} {'n':>5} | {'w8':>7} {'w16':>7} {'w28':>7} {'ECE':>7} {'unsure':>8}"]
    for c, s in result["shipped"]["test_writers"].items():
        accs = " ".join(f"{s['accuracy_by_width'][str(w)]:>7.2%}" for w in WIDTHS)
        lines.append(f"{c:<10} {s['drawings']:>5} | {accs} {s['ece']:>7.2%} {s['not_sure_rate']:>8.2%}")
    return "\n".join(lines)


def fold_image_recipe(folder: Path) -> str:
    """How a fold's image model was trained, with what is the fold's own (its folder, the collections
    it left out) taken out, so every fold of one sweep gives the same string."""
    path = folder / "digit.json"
    if not path.exists():
        return ""
    meta = json.loads(path.read_text(encoding="utf-8"))
    cache = {k: v for k, v in meta.get("pen_cache", {}).items() if k != "held_out_collections"}
    return json.dumps({"command": str(meta.get("command", "")).replace(str(folder), "<fold>"), "pen_cache": cache,
                       "preprocess_version": meta.get("preprocess_version")}, sort_keys=True)


def trajectory_sweep(args: argparse.Namespace, argv: list[str], cache: dict) -> int:
    """Image fold model alone / trajectory fold model alone / fused, per left-out collection."""
    from digitpad.drawing import iter_jsonl
    from digitpad.fusion import fuse
    from digitpad.train.fusion_fit import fit
    from digitpad.trajectory import trajectory_batch
    from digitpad.trajectory_recognizer import TrajectoryRecognizer

    started = time.time()
    drawings = [d for d in iter_jsonl(args.data) if d.label is not None]  # the cache's eval order
    features, _ = trajectory_batch(drawings)
    result: dict = {"command": "python benchmarks/loco.py " + " ".join(shlex.quote(a) for a in argv),
                    "trajectory_recipe": {"epochs": args.trajectory_epochs, "variants": args.trajectory_variants,
                                          "nondigits": args.trajectory_nondigits,
                                          "note": "python -m digitpad.train.trajectory unchanged, shorter"},
                    "image_models": "the fold models of the proxy sweep (--work/folds/NAME/digit.onnx)",
                    "loco": {}, "fold_seconds": {}}
    for name in [f for f in args.folds.split(",") if f]:
        held = FOLDS[name]
        folder = Path(args.work) / "folds" / name.replace("+", "_")
        if not (folder / "digit.onnx").exists():
            print(f"{name}: no fold image model in {folder} (run the sweep first); skipped", file=sys.stderr)
            continue
        cmd = [sys.executable, "-m", "digitpad.train.trajectory", "--data", args.data,
               "--exclude-collections", ",".join(held), "--epochs", str(args.trajectory_epochs),
               "--variants", str(args.trajectory_variants), "--nondigits", str(args.trajectory_nondigits),
               "--threads", str(args.threads), "--workers", "1", "--seed", str(args.seed),
               "--out", str(folder / "trajectory.onnx")]
        if args.real_nondigits:
            cmd += ["--nondigits-real", args.real_nondigits]
        t = time.time()
        if not (args.resume and (folder / "trajectory.onnx").exists()):  # --resume: reuse trained fold models
            with open(folder / "trajectory.log", "w", encoding="utf-8") as log:
                subprocess.run(cmd, check=True, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
        trajectory = TrajectoryRecognizer(folder / "trajectory.onnx")
        image_recipe = fold_image_recipe(folder)
        tp = np.concatenate([trajectory.predict_batch(features[i : i + 2048])[0]
                             for i in range(0, len(features), 2048)])
        tp = np.tile(tp, (len(WIDTHS), 1))
        ip, image_threshold = probs_of(folder / "digit.onnx", cache["eval_x"])
        out = np.isin(cache["eval_col"], held)
        val = (cache["eval_split"] == "val") & ~out
        params, _ = fit(ip[val], tp[val], cache["eval_y"][val])
        fused = fuse(ip, tp, params)
        save_strangers(folder, ip[out], tp[out], cache["eval_y"][out], cache["eval_col"][out],
                       cache["eval_width"][out], name, (image_threshold, params.image_weight,
                                                        params.temperature, params.not_sure_threshold),
                       {"renderings": json.loads(str(cache["meta"])), "image": result["image_models"],
                        "image_recipe": json.loads(image_recipe) if image_recipe else None,
                        "trajectory": result["trajectory_recipe"]},
                       (ip[val], tp[val], cache["eval_y"][val]))
        rows = {"image": per_collection(ip, cache, out, image_threshold, held),
                "trajectory": per_collection(tp, cache, out, float(trajectory.metadata["not_sure_threshold"]), held),
                "fused": per_collection(fused, cache, out, params.not_sure_threshold, held)}
        for c in held:
            if c in rows["image"]:
                result["loco"][c] = {k: v[c] for k, v in rows.items()} | {
                    "fold": name, "fusion": {"image_weight": params.image_weight, "temperature": params.temperature,
                                             "not_sure_threshold": params.not_sure_threshold}}
        result["fold_seconds"][name] = round(time.time() - t, 1)
        for k in ("image", "trajectory", "fused"):
            result.setdefault("summary", {})[k] = summaries({c: r[k] for c, r in result["loco"].items()})
        result["seconds"] = round(time.time() - started, 1)
        if args.json:
            Path(args.json).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        print(f"{name}: trajectory trained, fused and scored in {time.time() - t:.0f} s", flush=True)
    print(f"{'collection':<10} {'n':>5} | {'image alone w8/16/28, ECE':^34} | {'trajectory':^8} | "
          f"{'fused w8/16/28, ECE, not sure':^43}")
    for c, r in result["loco"].items():
        row = f"{c:<10} {r['image']['drawings']:>5} | "
        row += " ".join(f"{r['image']['accuracy_by_width'][str(w)]:>7.2%}" for w in WIDTHS)
        row += f" {r['image']['ece']:>7.2%} | {r['trajectory']['accuracy']:>8.2%} | "
        row += " ".join(f"{r['fused']['accuracy_by_width'][str(w)]:>7.2%}" for w in WIDTHS)
        row += f" {r['fused']['ece']:>7.2%} {r['fused']['not_sure_rate']:>8.2%}"
        print(row)
    for k in ("image", "fused"):
        s = result.get("summary", {}).get(k, {}).get(f"collections_with_{LARGE}_drawings_or_more", {})
        if s:
            print(f"{k}: mean / worst over collections with >= {LARGE} drawings: "
                  + ", ".join(f"w{w} {s[f'w{w}']['mean']:.2%} / {s[f'w{w}']['worst']:.2%}" for w in WIDTHS)
                  + f", ECE mean {s['ece']['mean']:.2%}")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True, help="pen-digits .jsonl.gz (writer = collection/...)")
    ap.add_argument("--mnist", required=True, help="MNIST folder (the recipe trains on it too)")
    ap.add_argument("--work", default=".cache/loco", help="renderings, fold models and logs")
    ap.add_argument("--json", help="write the figures here (rewritten after every fold)")
    ap.add_argument("--folds", default=",".join(FOLDS), help=f"comma-separated subset of {', '.join(FOLDS)}")
    ap.add_argument("--skip-proxy-check", action="store_true", help="no proxy run on the ordinary writer split")
    ap.add_argument("--resume", action="store_true",
                    help="keep the folds already in --json (same proxy recipe) and run only the missing ones")
    ap.add_argument("--epochs", type=int, default=4, help="proxy recipe: epochs (full recipe: 40)")
    ap.add_argument("--mnist-limit", type=int, default=20000, help="proxy recipe: MNIST images (full: 60,000)")
    ap.add_argument("--variants", type=int, default=2, help="proxy recipe: renderings per train drawing (full: 8)")
    ap.add_argument("--nondigits", type=int, default=3000, help="proxy recipe: generated non-digits (full: 12,000)")
    ap.add_argument("--width", type=int, default=24, help="channels of the first conv block (shipped: 24)")
    ap.add_argument("--threads", type=int, default=1, help="torch threads per training (plus 1 augmentation worker)")
    ap.add_argument("--workers", type=int, default=2, help="render processes for the cache")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--trajectory", action="store_true",
                    help="after the sweep: trajectory model per fold, fused with the fold's image model")
    ap.add_argument("--trajectory-epochs", type=int, default=6, help="--trajectory recipe: epochs (full: 12)")
    ap.add_argument("--trajectory-variants", type=int, default=8, help="--trajectory recipe: copies (full: 16)")
    ap.add_argument("--trajectory-nondigits", type=int, default=6000,
                    help="--trajectory recipe: generated non-digits (full: 12,000)")
    ap.add_argument("--real-nondigits", help="pen-nondigits .jsonl.gz: its train writers' letters and symbols are "
                    "trained on as non-digits by the --trajectory recipe (and with --image-real-nondigits by the "
                    "image folds)")
    ap.add_argument("--image-real-nondigits", action="store_true",
                    help="the image folds train on --real-nondigits' train writers too (pen_cache --nondigits-real)")
    ap.add_argument("--scan-rate", type=float, default=0.0,
                    help="share of training copies rendered as bold scanned forms (pen_cache --scan-rate)")
    args = ap.parse_args(argv)
    argv = argv if argv is not None else sys.argv[1:]
    started = time.time()
    cache = load_or_build(args)
    if args.trajectory:
        return trajectory_sweep(args, argv, cache)
    collections = tuple(sorted(set(cache["eval_col"].tolist()), key=lambda c: -int((cache["eval_col"] == c).sum())))
    everyone = np.ones(len(cache["eval_y"]), bool)
    probs, threshold = probs_of(None, cache["eval_x"])
    shipped_all = per_collection(probs, cache, everyone, threshold, collections)
    shipped_test = per_collection(probs, cache, cache["eval_split"] == "test", threshold, collections)
    result: dict = {
        "command": "python benchmarks/loco.py " + " ".join(shlex.quote(a) for a in argv),
        "proxy_recipe": {"epochs": args.epochs, "mnist_images": args.mnist_limit, "pen_variants": args.variants,
                         "nondigits": args.nondigits, "width": args.width, "threads": args.threads,
                         "image_real_nondigits": bool(args.image_real_nondigits), "scan_rate": args.scan_rate,
                         "loco_cache_version": CACHE_VERSION,
                         "note": "python -m digitpad.train unchanged; full recipe: 8 epochs (CPU) or 40 (GPU), "
                                 "60,000 MNIST, 8 renderings per drawing, 12,000 generated non-digits plus the "
                                 "train writers' real ones"},
        "folds": {k: list(v) for k, v in FOLDS.items()},
        "shipped": {"note": "models/digit.onnx trained on the train writers of every collection: "
                            "all_writers is in-distribution (70 % of them trained on); test_writers are held-out "
                            "writers of collections it knows",
                    "threshold": threshold, "all_writers": shipped_all, "test_writers": shipped_test,
                    "test_writers_pooled": score(probs[cache["eval_split"] == "test"],
                                                 cache["eval_y"][cache["eval_split"] == "test"],
                                                 cache["eval_width"][cache["eval_split"] == "test"], threshold)},
        "proxy_writer_split": None, "loco": {}, "fold_seconds": {},
        "summary": {"shipped_all_writers": summaries(shipped_all), "shipped_test_writers": summaries(shipped_test)},
    }

    def save() -> None:
        result["seconds"] = round(time.time() - started, 1)
        if args.json:
            Path(args.json).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")

    todo = [("writer split", None)] if not args.skip_proxy_check else []
    todo += [(f, FOLDS[f]) for f in args.folds.split(",") if f]
    if args.resume and args.json and Path(args.json).exists():
        previous = json.loads(Path(args.json).read_text(encoding="utf-8"))
        if previous.get("proxy_recipe") != result["proxy_recipe"]:
            print(f"error: {args.json} was made with another proxy recipe: {previous.get('proxy_recipe')}",
                  file=sys.stderr)
            return 2
        for key in ("loco", "fold_seconds", "proxy_writer_split"):
            result[key] = previous.get(key) or result[key]
        result["summary"]["loco"] = summaries(result["loco"])
        todo = [(name, held) for name, held in todo if name not in result["fold_seconds"]]
    save()
    for name, held_out in todo:
        arrays = fold_cache(cache, held_out)
        model, seconds, cmd = train_fold(name if held_out else "writers", arrays, args)
        p, th = probs_of(model, arrays["test_x"])
        result["fold_seconds"][name] = round(seconds, 1)
        if held_out is None:
            result["proxy_writer_split"] = {**score(p, arrays["test_y"], arrays["test_width"], th),
                                            "threshold": th, "train_command": shlex.join(cmd)}
        else:
            mask = np.isin(cache["eval_col"], held_out)
            fold_probs = np.zeros((len(mask), 10), np.float32)
            fold_probs[mask] = p
            result["loco"].update(per_collection(fold_probs, cache, mask, th, held_out))
            for c in held_out:
                if c in result["loco"]:
                    result["loco"][c]["fold"] = name
                    result["loco"][c]["threshold"] = th
            result["summary"]["loco"] = summaries(result["loco"])
        print(f"{name}: trained and scored in {seconds:.0f} s", flush=True)
        save()
    print(table(result))
    if result["proxy_writer_split"]:
        r = result["proxy_writer_split"]
        print("proxy recipe on the writer split (test writers): "
              + " / ".join(f"{r['accuracy_by_width'][str(w)]:.2%}" for w in WIDTHS) + f", ECE {r['ece']:.2%}")
    t = result["shipped"]["test_writers_pooled"]
    print("shipped model on the writer split (test writers): "
          + " / ".join(f"{t['accuracy_by_width'][str(w)]:.2%}" for w in WIDTHS) + f", ECE {t['ece']:.2%}")
    save()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
