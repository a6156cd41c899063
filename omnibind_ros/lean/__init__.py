"""Torch-free inference: the CPU path of the node with onnxruntime and numpy only.

A model bundle is a ``torch.save`` file, so reading one needs torch; the lean path instead
runs a *lean export* of it (every encoder, the fusion module and the text teacher as ONNX
graphs, plus the model's config and labels as JSON), written once per bundle into the cache
by a short-lived process that has torch. The node's own process then never imports torch.
"""
