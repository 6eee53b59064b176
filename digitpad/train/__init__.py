"""Reproducible training of models/digit.onnx (PyTorch; an optional extra, never imported by the app)."""
