"""A reference fusion for the report: what the frozen embeddings allow, without Eq. 8's form.

Not a product fusion (bundles cannot select it): one hidden layer over every sensor's slot
(the mean of that type's present tokens, zero when absent) concatenated with the presence
flags, trained on the same stage II data and loss as AF. Its accuracy tells a reader how
much of the gap between AF and the best possible fusion of these encoders is left; on the
simulated world it is about a point, so the encoders, not the fusion, bound the accuracy.
"""

from __future__ import annotations

import torch
from torch import nn

from omnibind_ros.core.fusion import DEFAULT_MAX_TOKENS, NUM_TYPES, Fusion, type_slots


class ConcatMLPFusion(Fusion):
    kind = "concat_mlp"

    def __init__(
        self,
        embed_dim: int,
        max_tokens: int = DEFAULT_MAX_TOKENS,
        hidden: int = 512,
        dropout: float = 0.3,
    ) -> None:
        super().__init__(embed_dim, max_tokens)
        self.net = nn.Sequential(
            nn.Linear(NUM_TYPES * (embed_dim + 1), hidden),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(hidden, embed_dim),
        )

    def fuse(self, tokens, type_ids, mask):
        slots, count = type_slots(tokens, type_ids, mask)
        return self.net(torch.cat([slots.flatten(1), count.clamp(max=1)], dim=1))
