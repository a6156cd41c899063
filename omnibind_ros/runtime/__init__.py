"""Inference backends for a loaded model: torch (the model's own modules), onnxruntime and
TensorRT, all fed from the same ONNX export, plus the on-disk engine cache.

``attach_backend(model, "auto")`` picks the fastest available and installs it as
``model.runner``; everything else (preprocessing, labels, ``predict``) is unchanged.
"""
