"""Asset hashes masked, so that syrupy snapshots of templates survive a change of machine or checkout."""

from __future__ import annotations

import re
from typing import Any

#: What a 64-hex asset hash (S3 keys, asset parameters, Lambda code) becomes in a snapshot.
ASSET_HASH = "<ASSET_HASH>"
_HEX64 = re.compile(r"[0-9a-f]{64}")


def stable(value: Any) -> Any:
    """``value`` with every 64-hex asset hash replaced by ``<ASSET_HASH>`` (recursively, keys included)."""
    if isinstance(value, str):
        return _HEX64.sub(ASSET_HASH, value)
    if isinstance(value, dict):
        return {stable(k): stable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [stable(v) for v in value]
    return value


def mask_asset_hashes(*, data: Any, path: Any) -> Any:
    """A syrupy matcher: ``assert template == snapshot(matcher=mask_asset_hashes)``.

    syrupy calls it on every value it serializes (``path`` is where); strings lose their asset hashes.
    """
    return _HEX64.sub(ASSET_HASH, data) if isinstance(data, str) else data
