"""python -m digitpad.train.fusion_fit --data PEN.jsonl.gz [--strangers .cache/loco] [--image-model M] [--trajectory-model T]

Fits the fusion of the image and trajectory models (:mod:`digitpad.fusion`): the image
weight ``w`` on a grid and the temperature ``T`` by minimum negative log-likelihood, then
the "not sure" threshold for the fused output (the highest one leaving at most
``--max-digit-not-sure`` of the digits below it).

* Without ``--strangers``: on the val writers' drawings, each rendered at 8, 16 and 28 px by
  the app's renderer and preprocessor (the trajectory does not depend on the pen width);
  threshold rule 1 %.
* With ``--strangers DIR``: the weight as above, the temperature and the threshold on the
  leave-one-collection-out fold models' answers on the collections they never trained on (``benchmarks/loco.py --trajectory`` keeps them,
  see digitpad.train.stranger_calibration; the image answers rescaled by the image model's
  recorded temperature factor); threshold rule 2.5 % of the strangers (the issue allows 3 %).  The val writers' figures
  under the fitted rule are printed and recorded beside.

Writes them into trajectory.json (``fusion``) with the image model's sha256, so a new image
model means a new fit.  numpy + onnxruntime + PySide6 (rendering); no torch.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

import numpy as np

from digitpad.drawing import Drawing, iter_jsonl
from digitpad.evaluate import model_inputs
from digitpad.files import sha256_file
from digitpad.fusion import FusionParams, fuse, fused_logits
from digitpad.recognizer import Recognizer
from digitpad.splits import split_of
from digitpad.train import metrics
from digitpad.train.provenance import command_line
from digitpad.trajectory import trajectory_batch
from digitpad.trajectory_recognizer import TrajectoryRecognizer

WIDTHS = (8, 16, 28)


def image_probs(drawings: Sequence[Drawing], image: Recognizer, widths: Sequence[int] = WIDTHS) -> np.ndarray:
    """The image model's probabilities of every drawing rendered at every width, widths outermost."""
    img = []
    for w in widths:
        x = model_inputs(drawings, w)
        img.append(np.concatenate([image.predict_batch(x[i : i + 512]) for i in range(0, len(x), 512)]))
    return np.concatenate(img)


def both_probs(drawings: Sequence[Drawing], image: Recognizer, trajectory: TrajectoryRecognizer,
               widths: Sequence[int] = WIDTHS) -> tuple[np.ndarray, np.ndarray]:
    """Image and trajectory probabilities of every drawing at every width, widths outermost:
    ((len(widths) * N, 10), (len(widths) * N, 10); the trajectory rows repeat per width)."""
    traj, _ = trajectory_batch(drawings)
    tp = np.concatenate([trajectory.predict_batch(traj[i : i + 1024])[0] for i in range(0, len(traj), 1024)])
    return image_probs(drawings, image, widths), np.tile(tp, (len(widths), 1))


#: Temperatures the fit may choose.  Where the val digits are all read right (a fold of the
#: leave-one-collection-out sweep), the likelihood keeps growing as T shrinks and an unbounded fit
#: sharpens two calibrated models into certainties; T < 0.5 would more than square both.
MIN_TEMPERATURE, MAX_TEMPERATURE = 0.5, 5.0


def fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """Minimum-NLL temperature within [MIN_TEMPERATURE, MAX_TEMPERATURE] (grid, then a finer grid)."""
    grid = np.exp(np.linspace(np.log(MIN_TEMPERATURE), np.log(MAX_TEMPERATURE), 81))
    best = min(grid, key=lambda t: metrics.nll(logits, labels, t))
    fine = np.clip(best * np.exp(np.linspace(-0.03, 0.03, 61)), MIN_TEMPERATURE, MAX_TEMPERATURE)
    return float(min(fine, key=lambda t: metrics.nll(logits, labels, t)))


def fit(image_probs: np.ndarray, trajectory_probs: np.ndarray, labels: np.ndarray,
        max_digit_not_sure: float = 0.01) -> tuple[FusionParams, dict]:
    """Weight and temperature by minimum NLL on (val) digits, then the fused "not sure" threshold."""
    best = None
    for w in np.linspace(0.0, 1.0, 41):
        z = fused_logits(image_probs, trajectory_probs, float(w))
        t = fit_temperature(z, labels)
        nll = metrics.nll(z, labels, t)
        if best is None or nll < best[0]:
            best = (nll, float(w), t)
    nll, w, t = best
    probs = fuse(image_probs, trajectory_probs, FusionParams(w, t, 1.0))
    threshold = metrics.choose_threshold(probs.max(1), np.zeros(0), max_digit_not_sure)
    return FusionParams(round(w, 4), round(t, 5), threshold), {"nll_val": round(nll, 5)}


def fit_strangers(s: dict[str, np.ndarray], image_factor: float, rate: float,
                  image_weight: float) -> tuple[FusionParams, float]:
    """The temperature by minimum NLL on the strangers' answers (image answers rescaled by the image
    model's temperature factor) for a given weight, and the share of val digits the fused threshold
    may leave below it (stranger_calibration.fit_val_share on each fold's own val writers).

    The weight stays the val writers' fit: the collections hold few of the world's forms the
    stroke model is there for (a 1's long lead-in, a barred zero), and a weight fitted on them
    leans on the image model and gives those back (tests/test_real_forms.py).  The returned
    params carry a placeholder threshold: the shipped one is threshold_for(its val answers, share)."""
    from digitpad.train.stranger_calibration import fit_val_share, rescale

    image = rescale(s["image_probs"], image_factor)
    t = fit_temperature(fused_logits(image, s["trajectory_probs"], image_weight), s["labels"])
    params = FusionParams(image_weight, round(t, 5), 1.0)
    tops = fuse(image, s["trajectory_probs"], params).max(1)
    val_tops = fuse(rescale(s["val_image_probs"], image_factor), s["val_trajectory_probs"], params).max(1)
    return params, fit_val_share(val_tops, s["val_folds"], tops, s["folds"], rate)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m digitpad.train.fusion_fit", description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True, help="pen-digits .jsonl.gz (its val writers are used)")
    ap.add_argument("--image-model", default=None, help="default: the shipped models/digit.onnx")
    ap.add_argument("--trajectory-model", default=None, help="default: models/trajectory.onnx")
    ap.add_argument("--strangers", help="benchmarks/loco.py --work folder: fit on the fold models' answers on "
                    "collections they never trained on (folds/*/strangers.npz) instead of the val writers")
    ap.add_argument("--max-digit-not-sure", type=float, default=None,
                    help="share of digits the threshold may leave 'not sure' (default 1 %%, with --strangers 2.5 %%)")
    args = ap.parse_args(argv)
    rate = args.max_digit_not_sure if args.max_digit_not_sure is not None else (0.025 if args.strangers else 0.01)
    image = Recognizer(args.image_model)
    trajectory = TrajectoryRecognizer(args.trajectory_model)
    val = [d for d in iter_jsonl(args.data) if d.label is not None and d.strokes and split_of(d.writer or "") == "val"]
    labels = np.tile(np.asarray([d.label for d in val]), len(WIDTHS))
    ip, tp = both_probs(val, image, trajectory)
    how = (f"weight on a 41-step grid, temperature by minimum NLL within [{MIN_TEMPERATURE}, {MAX_TEMPERATURE}]; "
           f"threshold leaves <= {rate:.1%} of the digits below it")
    if args.strangers:
        from digitpad.train.loco import load_strangers
        from digitpad.train.stranger_calibration import below_share, factor_of, rescale, threshold_for

        s = load_strangers(args.strangers)
        # the fold image models' answers as the image model's own stranger calibration would give them
        k = factor_of(json.loads(image.path.with_suffix(".json").read_text(encoding="utf-8")))
        weight = fit(ip, tp, labels)[0].image_weight  # the val writers' weight, for the shipped models as they are
        params, share = fit_strangers(s, k, rate, weight)
        params = FusionParams(params.image_weight, params.temperature, threshold_for(fuse(ip, tp, params), share))
        stranger_fused = fuse(rescale(s["image_probs"], k), s["trajectory_probs"], params)
        val_fused = fuse(rescale(s["val_image_probs"], k), s["val_trajectory_probs"], params)
        unsure = below_share(val_fused.max(1), s["val_folds"], stranger_fused.max(1), s["folds"], share)
        fitted_on = (f"strangers: the leave-one-collection-out fold models' answers on collections they never "
                     f"trained on ({len(s['labels'])} renderings, {len(set(s['collections'].tolist()))} collections, "
                     f"widths {sorted(set(s['widths'].tolist()))}): temperature by minimum NLL within "
                     f"[{MIN_TEMPERATURE}, {MAX_TEMPERATURE}] for the weight fitted on the val writers' drawings "
                     f"({len(val)}, 41-step grid); threshold leaves <= val_share of the val "
                     f"writers' digits below it, val_share chosen so that <= {rate:.1%} of the strangers' digits fall "
                     "below their fold's threshold")
        facts = {"image_temperature_factor": k, "val_share": share, "fold_recipe": json.loads(str(s["recipe"])),
                 "accuracy_strangers": round(float((stranger_fused.argmax(1) == s["labels"]).mean()), 5),
                 "ece_strangers": round(metrics.ece(stranger_fused, s["labels"]), 5),
                 "not_sure_rate_strangers": round(unsure, 5)}
    else:
        params, facts = fit(ip, tp, labels, rate)
        fitted_on = f"val writers' drawings ({len(val)}) at widths {list(WIDTHS)}; {how}"
    fused = fuse(ip, tp, params)
    entry = {
        "image_weight": params.image_weight, "temperature": params.temperature,
        "not_sure_threshold": params.not_sure_threshold,
        "rule": "probs = softmax((image_weight * log p_image + (1 - image_weight) * log p_trajectory) / temperature)",
        "fitted_on": fitted_on,
        "image_model_sha256": sha256_file(image.path),
        "accuracy_val": round(float((fused.argmax(1) == labels).mean()), 5),
        "ece_val": round(metrics.ece(fused, labels), 5),
        "not_sure_rate_val": round(metrics.below_rate(fused.max(1), params.not_sure_threshold), 5),
        **facts,
        "command": command_line("python -m digitpad.train.fusion_fit", argv if argv is not None else sys.argv[1:]),
    }
    meta_path = trajectory.path.with_suffix(".json")
    meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
    meta["fusion"] = entry
    tmp = meta_path.with_name(meta_path.name + ".tmp")
    tmp.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    tmp.replace(meta_path)
    print(json.dumps(entry, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
