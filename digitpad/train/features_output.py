"""Add the pooled-feature output to an exported image model without retraining it.

    python -m digitpad.train.features_output --model models/digit.onnx

Models exported before the ``features`` output existed end in ``Flatten -> Gemm
-> Div(temperature) -> Softmax``; the Flatten output is the globally pooled
vector the last layer reads (what :class:`digitpad.train.model.Exported` now
returns as ``features``).  This names that tensor as a second graph output, so
probabilities stay bit-identical and personal adaptation can read the features.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import onnx
from onnx import helper


def add_features_output(model: onnx.ModelProto) -> onnx.ModelProto:
    """The same graph with ``features`` (N, D): the input of its last Gemm.  Unchanged if present."""
    graph = model.graph
    if any(o.name == "features" for o in graph.output):
        return model
    gemms = [n for n in graph.node if n.op_type == "Gemm"]
    if not gemms:
        raise ValueError("no Gemm (final linear layer) in the graph")
    pooled = gemms[-1].input[0]
    width = next((int(i.dims[1]) for i in graph.initializer if i.name == gemms[-1].input[1]), None)
    if width is None:
        raise ValueError("the final Gemm's weight is not an initializer")
    graph.node.append(helper.make_node("Identity", [pooled], ["features"], name="features_output"))
    graph.output.append(helper.make_tensor_value_info("features", onnx.TensorProto.FLOAT, ["n", width]))
    onnx.checker.check_model(model)
    return model


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m digitpad.train.features_output", description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, required=True, help="exported image model, rewritten in place")
    args = ap.parse_args(argv)
    onnx.save(add_features_output(onnx.load(str(args.model))), str(args.model))
    print(f"{args.model}: outputs probs, features")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
