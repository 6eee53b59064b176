"""Leave-one-collection-out folds: a held-out collection never reaches training or calibration."""

from __future__ import annotations

import json

import numpy as np

from digitpad.train.loco import FOLDS, collection_of, fold_cache


def _cache() -> dict[str, np.ndarray]:
    cols = np.array(["syn", "syn", "apb", "apb", "tos", "tos"])
    splits = np.array(["train", "val", "train", "test", "train", "val"])
    eval_col, eval_split = np.tile(cols, 3), np.tile(splits, 3)
    ident = np.arange(len(eval_col), dtype=np.uint8)  # pixel [0, 0] = row number, to follow rows through
    eval_x = np.zeros((len(eval_col), 28, 28), np.uint8)
    eval_x[:, 0, 0] = ident
    var = splits == "train"
    var_x = np.zeros((int(var.sum()), 28, 28), np.uint8)
    return {
        "var_x": var_x, "var_y": np.arange(int(var.sum())), "var_col": cols[var], "var_split": splits[var],
        "eval_x": eval_x, "eval_y": np.tile(np.arange(6), 3), "eval_col": eval_col, "eval_split": eval_split,
        "eval_width": np.repeat(np.array([8, 16, 28], np.int32), 6),
        "nd_train_x": np.zeros((2, 28, 28), np.uint8), "nd_val_x": np.zeros((1, 28, 28), np.uint8),
        "meta": np.array(json.dumps({"preprocess_version": 2})),
    }


def test_collection_is_the_first_part_of_the_writer_id():
    assert collection_of("syn/syn1/rkt-dig19.dat") == "syn"
    assert collection_of("tos") == "tos"
    assert {c for fold in FOLDS.values() for c in fold} == {
        "syn", "apa", "apb", "app", "ced", "ceb", "cea", "tos", "pri", "lou"}


def test_held_out_collection_is_only_the_test_set():
    cache = _cache()
    fold = fold_cache(cache, ("apb",))
    rows = fold["test_x"][:, 0, 0]
    assert set(cache["eval_col"][rows]) == {"apb"}  # every apb writer, train and test split alike
    assert len(rows) == 2 * 3
    assert "apb" not in set(cache["eval_col"][fold["val_x"][:, 0, 0]])
    assert set(cache["var_col"][fold["train_y"]]) == {"syn", "tos"}
    assert json.loads(str(fold["meta"]))["held_out_collections"] == ["apb"]
    assert json.loads(str(fold["meta"]))["preprocess_version"] == 2


def test_writer_split_fold_tests_on_the_test_writers():
    cache = _cache()
    fold = fold_cache(cache, None)
    assert set(cache["eval_split"][fold["test_x"][:, 0, 0]]) == {"test"}
    assert set(cache["eval_split"][fold["val_x"][:, 0, 0]]) == {"val"}
    assert len(fold["train_y"]) == 3


def test_loco_modules_need_no_torch():
    import subprocess
    import sys
    from pathlib import Path

    code = ("import sys; sys.path.insert(0, 'benchmarks'); import digitpad.train.loco, loco; "
            "assert 'torch' not in sys.modules, 'torch was imported'")
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr


def test_real_nondigits_of_a_held_out_collection_are_not_trained_on():
    cache = _cache()
    cache["nd_real_x"] = np.zeros((3, 28, 28), np.uint8)
    cache["nd_real_x"][:, 0, 0] = [1, 2, 3]
    cache["nd_real_col"] = np.array(["syn", "apb", "tos"])
    fold = fold_cache(cache, ("apb",))
    assert sorted(fold["nd_train_x"][2:, 0, 0].tolist()) == [1, 3]
    assert len(fold_cache(cache, None)["nd_train_x"]) == 5
