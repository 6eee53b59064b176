"""Calibration fitted on strangers, checked on strangers it was not fitted on (nested leave-one-collection-out).

    python benchmarks/stranger_calibration.py --strangers .cache/loco [--max-digit-not-sure 0.025] [--json out.json]

Reads the fold models' answers on the collections each fold left out (kept by
``benchmarks/loco.py --trajectory`` in ``--strangers/folds/*/strangers.npz``).  For every
collection C, the calibration is fitted on the other collections' answers only
(``digitpad.train.stranger_calibration.fit_image`` for the image model, ``fusion_fit.fit_strangers``
for the fusion: the very functions that calibrate the shipped models), C's thresholds are set
from its fold's val writers by the fitted share (as the shipped thresholds are set from the
shipped models' val writers), and C is scored:
accuracy per pen width, expected calibration error (15 bins, widths pooled) and the "not sure"
rate.  Beside it, C scored with its fold's own calibration on val writers (the rule the
models used before).  Mean and worst over the collections and over those with at least 100
drawings.  numpy only.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from digitpad.fusion import FusionParams, fuse  # noqa: E402
from digitpad.train.fusion_fit import fit as fit_fusion  # noqa: E402
from digitpad.train.fusion_fit import fit_strangers  # noqa: E402
from digitpad.train.loco import load_strangers  # noqa: E402
from digitpad.train.metrics import below_rate, ece  # noqa: E402
from digitpad.train.stranger_calibration import fit_image, rescale, threshold_for  # noqa: E402

LARGE = 100


def scores(probs: np.ndarray, labels: np.ndarray, widths: np.ndarray, threshold: float) -> dict:
    ok = probs.argmax(1) == labels
    return {"accuracy_by_width": {str(w): round(float(ok[widths == w].mean()), 5) for w in sorted(set(widths.tolist()))},
            "ece": round(ece(probs, labels), 5), "not_sure_rate": round(below_rate(probs.max(1), threshold), 5)}


def summary(rows: dict[str, dict], key: str) -> dict:
    out = {}
    for name, pick in (("all", rows), (f"collections_with_{LARGE}_drawings_or_more",
                                       {c: r for c, r in rows.items() if r["drawings"] >= LARGE})):
        e = {c: r[key]["ece"] for c, r in pick.items()}
        u = {c: r[key]["not_sure_rate"] for c, r in pick.items()}
        worst = max(e, key=e.get)
        out[name] = {"ece_mean": round(float(np.mean(list(e.values()))), 5), "ece_worst": e[worst],
                     "ece_worst_collection": worst, "not_sure_mean": round(float(np.mean(list(u.values()))), 5),
                     "not_sure_max": max(u.values())}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--strangers", required=True, help="benchmarks/loco.py --work folder")
    ap.add_argument("--max-digit-not-sure", type=float, default=0.025)
    ap.add_argument("--json", help="also write the figures here")
    args = ap.parse_args(argv)
    s = load_strangers(Path(args.strangers))
    ip, tp, y, cols, widths, vf = (s["image_probs"], s["trajectory_probs"], s["labels"], s["collections"],
                                   s["widths"], s["val_fit"])
    rows: dict[str, dict] = {}
    order = sorted(set(cols.tolist()), key=lambda c: -int((cols == c).sum()))
    for c in order:
        m, rest = cols == c, cols != c
        part = {k: v[rest] for k, v in s.items() if not k.startswith("val_") and k != "recipe"}
        part |= {k: v for k, v in s.items() if k.startswith("val_")}  # every fold's val writers
        image = fit_image(part, args.max_digit_not_sure)
        k = image.temperature_factor  # the fusion meets the image answers as the recalibrated model gives them
        fold = s["folds"][m][0]
        fv = s["val_folds"] == fold  # C's fold's own val writers set C's weight and thresholds, as the shipped
        weight = fit_fusion(rescale(s["val_image_probs"][fv], k), s["val_trajectory_probs"][fv],
                            s["val_labels"][fv])[0].image_weight  # ones are set from the shipped models' val writers
        fusion, share = fit_strangers(part, k, args.max_digit_not_sure, weight)
        own = vf[m][0]  # the fold's val-writer fit: image threshold, w, T, fused threshold
        own_fusion = FusionParams(float(own[1]), float(own[2]), float(own[3]))
        fused_val = fuse(rescale(s["val_image_probs"][fv], k), s["val_trajectory_probs"][fv], fusion)
        rows[c] = {
            "drawings": int(m.sum() // len(set(widths.tolist()))),
            "image_val_fit": scores(ip[m], y[m], widths[m], float(own[0])),
            "image_stranger_fit": scores(rescale(ip[m], k), y[m], widths[m],
                                         threshold_for(rescale(s["val_image_probs"][fv], k), image.val_share)),
            "fused_val_fit": scores(fuse(ip[m], tp[m], own_fusion), y[m], widths[m], own_fusion.not_sure_threshold),
            "fused_stranger_fit": scores(fuse(rescale(ip[m], k), tp[m], fusion), y[m], widths[m],
                                         threshold_for(fused_val, share)),
            "fit_without_it": {"image_temperature_factor": k, "image_val_share": image.val_share,
                               "fusion_weight": fusion.image_weight, "fusion_temperature": fusion.temperature,
                               "fusion_val_share": share},
        }
    result = {"strangers": str(args.strangers), "max_digit_not_sure": args.max_digit_not_sure, "collections": rows,
              "summary": {k: summary(rows, k) for k in ("image_val_fit", "image_stranger_fit", "fused_val_fit",
                                                          "fused_stranger_fit")}}
    print(f"{'left out':<8} {'n':>5} | {'image ECE, not sure':^33} | {'fused w8/16/28':^23} | "
          f"{'fused ECE, not sure':^33}")
    print(f"{'':<8} {'':>5} | {'val fit':^16} {'stranger fit':^16} | {'stranger fit':^23} | "
          f"{'val fit':^16} {'stranger fit':^16}")
    for c, r in rows.items():
        line = f"{c:<8} {r['drawings']:>5} | "
        for k in ("image_val_fit", "image_stranger_fit"):
            line += f"{r[k]['ece']:>7.2%} {r[k]['not_sure_rate']:>7.2%}  "
        line += "| " + " ".join(f"{v:>7.2%}" for v in r["fused_stranger_fit"]["accuracy_by_width"].values()) + " | "
        for k in ("fused_val_fit", "fused_stranger_fit"):
            line += f"{r[k]['ece']:>7.2%} {r[k]['not_sure_rate']:>7.2%}  "
        print(line)
    for scope in ("all", f"collections_with_{LARGE}_drawings_or_more"):
        parts = []
        for k in ("image_val_fit", "image_stranger_fit", "fused_val_fit", "fused_stranger_fit"):
            v = result["summary"][k][scope]
            parts.append(f"{k}: ECE mean {v['ece_mean']:.2%} worst {v['ece_worst']:.2%} ({v['ece_worst_collection']}), "
                         f"not sure mean {v['not_sure_mean']:.2%} max {v['not_sure_max']:.2%}")
        print(f"{scope}:\n  " + "\n  ".join(parts))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
