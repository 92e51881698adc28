"""ImageLocality: favours nodes that already hold the pod's images, scaled by how widespread
each image is.

Mirrors pkg/scheduler/framework/plugins/imagelocality/image_locality.go.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from kbench.api.resources import image_names
from kbench.cluster.state import ClusterState
from kbench.scheduler.framework import MAX_NODE_SCORE, CycleState, Plugin, PodInfo

NAME = "ImageLocality"
MB = 1024 * 1024
MIN_THRESHOLD = 23 * MB
MAX_CONTAINER_THRESHOLD = 1000 * MB


def normalized_image_name(name: str) -> str:
    """Append ':latest' when the image has no tag, as normalizedImageName does."""
    if name.rfind(":") <= name.rfind("/"):
        name = name + ":latest"
    return name


@njit(cache=True)
def _score(idx, image_ids, image_size, image_nodes, total_nodes, pod_images, max_threshold, out):  # pragma: no cover
    for k in range(len(idx)):
        row = idx[k]
        total = 0
        for p in range(len(pod_images)):
            img = pod_images[p]
            if img < 0:
                continue
            for j in range(image_ids.shape[1]):
                have = image_ids[row, j]
                if have < 0:
                    break
                if have == img:
                    spread = image_nodes[img] / total_nodes
                    total += np.int64(image_size[img] * spread)
                    break
        if total < MIN_THRESHOLD:
            total = MIN_THRESHOLD
        elif total > max_threshold:
            total = max_threshold
        out[k] = MAX_NODE_SCORE * (total - MIN_THRESHOLD) // (max_threshold - MIN_THRESHOLD)


class ImageLocality(Plugin):
    NAME = NAME

    def _pod_images(self, pi: PodInfo, cluster: ClusterState) -> np.ndarray:
        return pi.compiled(
            NAME,
            cluster.epoch,
            lambda: np.array([cluster.images.get(normalized_image_name(n)) for n in image_names(pi.pod)], np.int64),
        )

    def score(self, state: CycleState, pi: PodInfo, cluster: ClusterState, idx: np.ndarray) -> np.ndarray:
        images = self._pod_images(pi, cluster)
        present = cluster.image_nodes_array()
        if not any(img >= 0 and present[img] > 0 for img in images):
            return np.zeros(len(idx), np.int64)  # no node holds any of the images: every sum is below 23MiB
        out = np.empty(len(idx), np.int64)
        n_containers = len(pi.pod.spec.containers) + len(pi.pod.spec.init_containers)
        _score(idx, cluster.image_ids, cluster.image_size_array(), cluster.image_nodes_array(), cluster.n_nodes,
               images, MAX_CONTAINER_THRESHOLD * n_containers, out)
        return out

    def normalize(self, state: CycleState, pi: PodInfo, scores: np.ndarray) -> None:
        return None
