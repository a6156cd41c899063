"""Make `import torchvision` work beside the CPU-only torch wheel.

transformers and open_clip import torchvision. The torchvision wheel's compiled ops do not
load beside this torch build, and torchvision then crashes at import while registering fake
kernels for ``torchvision::nms`` and ``torchvision::qnms`` (operators that were never defined).
Defining the two schemas first lets the import finish. The ops then exist without a kernel and
raise if called; nothing this package uses (BERT, CLIP towers) ever calls them.
"""

from __future__ import annotations

import sys

import torch

# Kept alive for the life of the process: dropping the Library object would unregister the
# schemas and break the half-initialised torchvision that refers to them.
_SCHEMA_LIBRARY: torch.library.Library | None = None


def ensure_torchvision_importable() -> None:
    """Import torchvision, defining its missing operator schemas if its own import fails."""
    global _SCHEMA_LIBRARY
    try:
        import torchvision
    except RuntimeError as error:
        if "torchvision::" not in str(error) or _SCHEMA_LIBRARY is not None:
            raise
        # The failed import leaves half-initialised modules behind; a retry must start clean.
        for name in [n for n in sys.modules if n == "torchvision" or n.startswith("torchvision.")]:
            del sys.modules[name]
        _SCHEMA_LIBRARY = torch.library.Library("torchvision", "DEF")
        _SCHEMA_LIBRARY.define("nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
        _SCHEMA_LIBRARY.define("qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
        import torchvision  # noqa: F401
