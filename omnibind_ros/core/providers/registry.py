"""The provider registry, and the pool that shares one pretrained model between its towers."""

from __future__ import annotations

import json
from typing import Any

from omnibind_ros.core.providers.base import PretrainedProvider
from omnibind_ros.core.providers.openclip import OpenClipProvider

# Provider name -> class. Importing a provider module must stay cheap: the heavy library
# (open_clip, ...) is imported only when a provider is built.
PROVIDERS: dict[str, type[PretrainedProvider]] = {OpenClipProvider.name: OpenClipProvider}


class ProviderPool:
    """Providers built for one model: the image and text teachers of one pretrained model share
    a single instance (same name and options), so it is loaded once."""

    def __init__(self, load_weights: bool) -> None:
        self._load_weights = load_weights
        self._built: dict[tuple[str, str], PretrainedProvider] = {}

    def get(self, name: str, options: dict[str, Any]) -> PretrainedProvider:
        key = (name, json.dumps(options, sort_keys=True))
        if key not in self._built:
            self._built[key] = PROVIDERS[name](options, self._load_weights)
        return self._built[key]
