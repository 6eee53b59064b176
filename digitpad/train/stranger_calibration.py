"""Calibrate for strangers: temperature and "not sure" threshold fitted on collections never trained on.

    python -m digitpad.train.stranger_calibration --strangers .cache/loco \
        --data ../shared/data/pen-digits/unipen-dev.jsonl.gz [--model models/digit.onnx] [--max-digit-not-sure 0.025]

The val writers come from the collections the model trained on; on them the image model is
right 99.7 % of the time (fused: 99.8 %), so a temperature fitted there is sharper than a
stranger's drawings deserve.  ``benchmarks/loco.py --trajectory`` keeps, per fold, the fold models' answers on the
collections that fold left out (``digitpad.train.loco.load_strangers``): drawings from tablets,
schools and hands those models never saw.  Fitted on them (pooled over every collection, each
drawing from the fold that left it out):

* the image model: a factor on its temperature (minimum NLL), and the share of val-writer
  digits its "not sure" threshold may leave below it such that, every fold's threshold chosen
  by that share on its own val writers, at most ``--max-digit-not-sure`` of the strangers'
  digits fall below (the fold models, trained shorter, are less sharp than the shipped ones:
  an absolute threshold would not carry over, a share of val digits does); this command writes
  both into ``models/digit.onnx`` (the ``temperature`` initializer the softmax divides by) and
  ``models/digit.json`` (``stranger_calibration`` keeps the val writers' values, so a rerun
  starts from them);
* the fusion: ``python -m digitpad.train.fusion_fit --strangers`` (same data, the image answers
  rescaled by the factor as the rewritten model gives them, same rule); run it after this
  command, then ``python -m digitpad.train.personal_stats``: both record the image model's sha256.

The fold models are the sweep's shorter recipe, calibrated on their own val writers exactly as
the shipped ones are, so their answers are the shipped models' kind of answer on strangers.
``benchmarks/stranger_calibration.py`` checks the procedure itself: each collection scored with
a calibration fitted without it.  Needs the ``onnx`` package (the train extra); no torch.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from digitpad.files import sha256_file
from digitpad.fusion import floored_log
from digitpad.train import metrics
from digitpad.train.provenance import command_line

@dataclass(frozen=True)
class ImageCalibration:
    temperature_factor: float  # multiplies the temperature the model was calibrated with on val writers
    val_share: float  # share of val-writer digits the "not sure" threshold leaves below it


def fit_factor(probs: np.ndarray, labels: np.ndarray) -> float:
    """Minimum-NLL k for softmax(log p / k): the temperature these probabilities should have had,
    as a multiple of the one they have (the fusion's bounded temperature search)."""
    from digitpad.train.fusion_fit import fit_temperature

    return fit_temperature(floored_log(probs), labels)


def rescale(probs: np.ndarray, factor: float) -> np.ndarray:
    """softmax(log p / factor): the probabilities with the temperature multiplied by ``factor``."""
    return metrics.softmax(floored_log(probs), factor)


def below_share(val_tops: np.ndarray, val_folds: np.ndarray, tops: np.ndarray, folds: np.ndarray,
                share: float) -> float:
    """Share of the strangers' top probabilities below their fold's threshold, each fold's threshold
    the highest leaving at most ``share`` of its own val writers' digits below it."""
    below = sum(int((tops[folds == f] < metrics.choose_threshold(val_tops[val_folds == f], np.zeros(0),
                                                                 share)).sum())
                for f in sorted(set(np.asarray(folds).tolist())))
    return below / max(len(tops), 1)


def fit_val_share(val_tops: np.ndarray, val_folds: np.ndarray, tops: np.ndarray, folds: np.ndarray,
                  rate: float) -> float:
    """The largest share q of val-writer digits a threshold may leave "not sure" (the highest
    threshold leaving at most q below it, metrics.choose_threshold) such that, with every fold's
    threshold chosen so on its own val writers, at most ``rate`` of the strangers' digits (pooled)
    fall below their fold's threshold (below_share).

    Stated as a share of val digits, the rule moves from the shorter-trained fold models to the
    shipped ones, whose probabilities are sharper (an absolute threshold would not).
    """
    best = 0.0
    for q in np.linspace(0.0, 0.2, 201):  # steps of 0.1 %; more share, higher thresholds, more below
        if below_share(val_tops, val_folds, tops, folds, float(q)) > rate:
            break
        best = float(q)
    return round(best, 4)


def fit_image(data: dict[str, np.ndarray], max_digit_not_sure: float) -> ImageCalibration:
    """Temperature factor and val share from strangers' digits (the fold image models' answers,
    ``load_strangers``' arrays, or a subset of their rows with the folds' val rows)."""
    k = fit_factor(data["image_probs"], data["labels"])
    share = fit_val_share(rescale(data["val_image_probs"], k).max(1), data["val_folds"],
                          rescale(data["image_probs"], k).max(1), data["folds"], max_digit_not_sure)
    return ImageCalibration(round(k, 5), share)


def threshold_for(val_probs: np.ndarray, share: float) -> float:
    """A model's "not sure" threshold: the highest leaving at most ``share`` of its val digits below."""
    return metrics.choose_threshold(np.asarray(val_probs).max(1), np.zeros(0), share)


def set_temperature(onnx_path: Path, temperature: float) -> None:
    """Rewrite the ``temperature`` initializer the exported softmax divides by (atomically)."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(onnx_path))
    found = [i for i, t in enumerate(model.graph.initializer) if t.name == "temperature"]
    if len(found) != 1:
        raise ValueError(f"{onnx_path}: no single 'temperature' initializer to rewrite")
    model.graph.initializer[found[0]].CopyFrom(
        numpy_helper.from_array(np.asarray(temperature, np.float32), "temperature"))
    tmp = onnx_path.with_name(onnx_path.name + ".tmp")
    onnx.save(model, str(tmp))
    tmp.replace(onnx_path)


def factor_of(image_meta: dict) -> float:
    """The temperature factor a digit.json records (1.0 for a model calibrated on val writers only)."""
    entry = image_meta.get("stranger_calibration")
    return float(entry.get("temperature_factor", 1.0)) if isinstance(entry, dict) else 1.0


def main(argv: list[str] | None = None) -> int:
    from digitpad.drawing import iter_jsonl
    from digitpad.recognizer import Recognizer
    from digitpad.train.fusion_fit import image_probs
    from digitpad.splits import split_of
    from digitpad.train.loco import load_strangers

    ap = argparse.ArgumentParser(prog="python -m digitpad.train.stranger_calibration",
                                 description=__doc__.splitlines()[0])
    ap.add_argument("--strangers", required=True, help="benchmarks/loco.py --work folder (folds/*/strangers.npz)")
    ap.add_argument("--data", required=True, help="pen-digits .jsonl.gz: its val writers set the threshold")
    ap.add_argument("--model", default="models/digit.onnx", help="image model to recalibrate (its .json beside it)")
    ap.add_argument("--max-digit-not-sure", type=float, default=0.025,
                    help="share of the strangers' digits the threshold may leave 'not sure'")
    args = ap.parse_args(argv)
    data = load_strangers(Path(args.strangers))
    cal = fit_image(data, args.max_digit_not_sure)
    model = Path(args.model)
    meta_path = model.with_suffix(".json")
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    before = meta.get("stranger_calibration") if isinstance(meta.get("stranger_calibration"), dict) else {}
    val_temperature = float(before.get("val_writers_temperature", meta["temperature"]))  # a rerun starts over
    val_threshold = float(before.get("val_writers_threshold", meta["not_sure_threshold"]))
    new_t = round(val_temperature * cal.temperature_factor, 5)
    set_temperature(model, new_t)
    val = [d for d in iter_jsonl(args.data) if d.label is not None and d.strokes and split_of(d.writer or "") == "val"]
    val_probs = image_probs(val, Recognizer(model))
    threshold = threshold_for(val_probs, cal.val_share)
    probs = rescale(data["image_probs"], cal.temperature_factor)
    unsure = below_share(rescale(data["val_image_probs"], cal.temperature_factor).max(1), data["val_folds"],
                         probs.max(1), data["folds"], cal.val_share)
    meta["stranger_calibration"] = {
        "rule": "temperature = val_writers_temperature * temperature_factor; not_sure_threshold leaves <= val_share "
                f"of the val writers' digits below it, val_share chosen so that <= {args.max_digit_not_sure:.1%} "
                "of the strangers' digits fall below their fold's threshold",
        "fitted_on": f"fold models' answers on collections they never trained on: {len(data['labels'])} "
                     f"renderings of {len(set(data['collections'].tolist()))} collections "
                     "(benchmarks/loco.py --trajectory; each drawing from the fold that left it out), "
                     "and each fold's answers on its own val writers",
        "fold_recipe": json.loads(str(data["recipe"])),
        "val_writers_temperature": val_temperature,
        "val_writers_threshold": val_threshold,
        "temperature_factor": cal.temperature_factor,
        "val_share": cal.val_share,
        "strangers_ece": round(metrics.ece(probs, data["labels"]), 5),
        "strangers_ece_at_val_temperature": round(metrics.ece(data["image_probs"], data["labels"]), 5),
        "strangers_not_sure_rate": round(unsure, 5),
        "val_not_sure_rate": round(metrics.below_rate(val_probs.max(1), threshold), 5),
        "note": "ece, ece_val and the not_sure_rate_* figures above were measured at the val writers' "
                "temperature and threshold",
        "command": command_line("python -m digitpad.train.stranger_calibration",
                                argv if argv is not None else sys.argv[1:]),
    }
    meta["temperature"] = new_t
    meta["not_sure_threshold"] = threshold
    meta["sha256"] = sha256_file(model)
    tmp_json = meta_path.with_name(meta_path.name + ".tmp")
    tmp_json.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    tmp_json.replace(meta_path)
    print(json.dumps(meta["stranger_calibration"] | {"temperature": new_t, "not_sure_threshold": threshold},
                     indent=2))
    print("next: python -m digitpad.train.fusion_fit --data PEN --strangers " + args.strangers
          + ", then python -m digitpad.train.personal_stats --data PEN (both record this model's sha256)",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
