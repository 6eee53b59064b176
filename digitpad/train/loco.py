"""Leave-one-collection-out folds over a rendered pen-data cache (numpy only, no torch, no Qt).

The pen data's ``writer`` field starts with the UNIPEN collection it came from
(``syn/...``, ``apb/...``).  Held-out *writers* of a collection that is also
trained on flatter a model: tablet, sampling rate and the writing culture of the
collection are all known to it.  A fold here holds whole collections out, so its
score is what a user from a place the training data never saw would meet.

``fold_cache`` turns one cache of renderings (see benchmarks/loco.py) into the
arrays ``python -m digitpad.train --pen-cache`` reads, so a fold is trained by the
unchanged recipe: train writers of the kept collections for training, their val
writers for temperature and threshold, the left-out collection as "test".
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

#: Folds of the sweep.  The four smallest collections (108 drawings together) are held out
#: together: each alone would leave the training set practically unchanged for the price of
#: a training run, and holding them out at once is at least as strict for each of them.
FOLDS: dict[str, tuple[str, ...]] = {
    "syn": ("syn",), "apb": ("apb",), "ced": ("ced",), "app": ("app",), "apa": ("apa",), "tos": ("tos",),
    "pri+ceb+cea+lou": ("pri", "ceb", "cea", "lou"),
}


def collection_of(writer: str) -> str:
    """The collection a writer id belongs to: its first path part ('syn/syn1/x.dat' -> 'syn')."""
    return str(writer).split("/", 1)[0]


def fold_cache(cache: dict[str, np.ndarray], held_out: tuple[str, ...] | None) -> dict[str, np.ndarray]:
    """The ``--pen-cache`` arrays of one fold.

    ``held_out=None`` is the ordinary writer split (test = the test writers of every
    collection), which calibrates the proxy recipe against the full one.
    Cache keys: ``var_x/var_y/var_col/var_split`` (training renderings),
    ``eval_x/eval_y/eval_col/eval_split/eval_width`` (as drawn at 8/16/28 px),
    ``nd_train_x``, ``nd_val_x``, ``meta``, and optionally ``nd_real_x/nd_real_col`` (the train
    writers' real letters and symbols: those of a held-out collection are left out with it).
    """
    var_keep = cache["var_split"] == "train"
    val = cache["eval_split"] == "val"
    if held_out is None:
        test = cache["eval_split"] == "test"
    else:
        out_var = np.isin(cache["var_col"], held_out)
        out_eval = np.isin(cache["eval_col"], held_out)
        var_keep &= ~out_var
        val &= ~out_eval
        test = out_eval
    nd_train = cache["nd_train_x"]
    if "nd_real_x" in cache:
        keep = np.ones(len(cache["nd_real_x"]), bool) if held_out is None else ~np.isin(cache["nd_real_col"], held_out)
        nd_train = np.concatenate([nd_train, cache["nd_real_x"][keep]])
    meta = json.loads(str(cache["meta"]))
    meta["held_out_collections"] = list(held_out) if held_out else None
    return {
        "train_x": cache["var_x"][var_keep], "train_y": cache["var_y"][var_keep],
        "val_x": cache["eval_x"][val], "val_y": cache["eval_y"][val], "val_width": cache["eval_width"][val],
        "test_x": cache["eval_x"][test], "test_y": cache["eval_y"][test], "test_width": cache["eval_width"][test],
        "nd_train_x": nd_train, "nd_val_x": cache["nd_val_x"],
        "meta": np.array(json.dumps(meta)),
    }


#: Per fold, the fold models' answers on the collections it left out (benchmarks/loco.py --trajectory).
STRANGERS_FILE = "strangers.npz"


def save_strangers(folder: Path, image_probs: np.ndarray, trajectory_probs: np.ndarray, labels: np.ndarray,
                   collections: np.ndarray, widths: np.ndarray, fold: str, val_fit: tuple[float, ...],
                   recipe: dict, val: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None) -> Path:
    """Keep a fold's answers on its left-out collections: every row is a drawing (at one pen
    width) that neither fold model trained or calibrated on, which is what a calibration for
    strangers needs (digitpad.train.fusion_fit --strangers).  ``val_fit``: the fold's own
    calibration on its val writers (image threshold, fusion weight, temperature, threshold),
    to compare with.  ``recipe``: how the fold models were made (the same for every fold of a
    sweep; load_strangers refuses a mixture).  ``val``: the fold models' answers on the fold's
    own val writers (image probs, trajectory probs, labels), which a threshold rule stated as a
    share of val digits needs (``val_*`` keys)."""
    if val is None:
        val = (np.zeros((0, 10), np.float32), np.zeros((0, 10), np.float32), np.zeros(0, np.int64))
    path = Path(folder) / STRANGERS_FILE
    np.savez_compressed(path, image_probs=image_probs.astype(np.float32),
                        trajectory_probs=trajectory_probs.astype(np.float32), labels=labels.astype(np.int64),
                        collections=np.asarray(collections).astype(str), widths=np.asarray(widths, np.int32),
                        folds=np.full(len(labels), fold),
                        val_fit=np.tile(np.asarray(val_fit, np.float64), (len(labels), 1)),
                        recipe=np.array(json.dumps(recipe, sort_keys=True)),
                        val_image_probs=val[0].astype(np.float32), val_trajectory_probs=val[1].astype(np.float32),
                        val_labels=np.asarray(val[2], np.int64), val_folds=np.full(len(val[2]), fold))
    return path


def load_strangers(work: Path) -> dict[str, np.ndarray]:
    """Every fold's saved answers on its left-out collections, concatenated (folds sorted by name).

    Raises FileNotFoundError naming the folder when no fold has saved any, and ValueError when
    the folds were made by different recipes or two folds left out the same collection.
    """
    files = sorted(Path(work).glob(f"folds/*/{STRANGERS_FILE}"))
    if not files:
        raise FileNotFoundError(f"{work}: no folds/*/{STRANGERS_FILE} (run benchmarks/loco.py --trajectory first)")
    parts = []
    for f in files:
        with np.load(f) as z:
            parts.append({k: z[k] for k in z.files})
    recipes = {str(p.get("recipe", "")) for p in parts}
    if len(recipes) != 1:
        raise ValueError(f"{work}: the folds' {STRANGERS_FILE} come from {len(recipes)} different recipes")
    owner: dict[str, str] = {}
    for f, p in zip(files, parts):
        for c in set(p["collections"].tolist()):
            if c in owner:
                raise ValueError(f"{work}: collection {c} left out by two folds ({owner[c]}, {f.parent.name})")
            owner[c] = f.parent.name
    out = {k: np.concatenate([p[k] for p in parts]) for k in parts[0] if k != "recipe"}
    out["recipe"] = np.array(recipes.pop())
    return out
