"""controller.ComputeHash: the pod-template-hash label of a Deployment's ReplicaSet.

Kubernetes hashes the template with FNV-32a over hashutil.DeepHashObject (go-spew's ``%#v``
print of the Go struct), adds the little-endian collisionCount (8 bytes) when the Deployment has
one, and encodes the decimal hash with rand.SafeEncodeString. The spew print depends on every
field of the Go types of the Kubernetes version (which is why EqualIgnoreHash ignores the
label), so kbench hashes a canonical JSON of the template instead (sorted keys, no spaces); the
collisionCount bytes and the encoding are Kubernetes'. Hashes are therefore stable and
template-dependent as in Kubernetes, but not equal to a real cluster's.
"""

from __future__ import annotations

import json
import struct

from kbench.api.workloads import PodTemplateSpec
from kbench.controllers.pod_ranking import fnv32a

ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789"
"""utilrand's alphabet: no vowels, no confusable digits."""


def safe_encode_string(s: str) -> str:
    """rand.SafeEncodeString: each character mapped into ALPHANUMS by its code point."""
    return "".join(ALPHANUMS[ord(c) % len(ALPHANUMS)] for c in s)


def compute_hash(template: PodTemplateSpec, collision_count: int | None) -> str:
    """The pod-template-hash of ``template`` (and the Deployment's collisionCount)."""
    data = json.dumps(template.model_dump(mode="json", by_alias=True), sort_keys=True,
                      separators=(",", ":")).encode()
    if collision_count is not None:
        data += struct.pack("<I", collision_count & 0xFFFFFFFF) + bytes(4)
    return safe_encode_string(str(fnv32a(data)))
