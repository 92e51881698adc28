"""Per-device GPU state of ClusterState: ledger rows follow node rows, pods take and give back GPUs."""

from __future__ import annotations

from kbench.api.objects import Node, Pod
from kbench.cluster.state import ClusterState, node_gpus


def node(name: str, gpus: int = 0, model: str | None = None, cpu: str = "32") -> Node:
    alloc = {"cpu": cpu, "memory": "64Gi", "pods": "110"}
    if gpus:
        alloc.update({"nvidia.com/gpu": str(gpus), "alibabacloud.com/gpu-milli": str(1000 * gpus)})
    labels = {"kbench.io/gpu-model": model} if model else {}
    return Node.model_validate({"metadata": {"name": name, "labels": labels}, "status": {"allocatable": alloc}})


def pod(name: str, milli: int = 0, whole: int = 0) -> Pod:
    requests = {"cpu": "1"}
    if whole:
        requests["nvidia.com/gpu"] = str(whole)
    if milli or whole:
        requests["alibabacloud.com/gpu-milli"] = str(milli or 1000 * whole)
    return Pod.model_validate({"metadata": {"name": name, "uid": name},
                               "spec": {"containers": [{"name": "c", "resources": {"requests": requests}}]}})


def test_gpu_count_and_model_come_from_the_node() -> None:
    assert node_gpus(node("g", 4, "G2")) == (4, "G2")
    assert node_gpus(node("cpu")) == (0, None)
    assert node_gpus(node("unlabelled", 2)) == (2, None)
    c = ClusterState()
    c.add_node(node("cpu"))
    c.add_node(node("g", 4, "G2"))
    assert c.gpus.n_nodes == 2 and c.gpu_count[:2].tolist() == [0, 4]
    assert c.gpus.free.tolist() == [[-1, -1, -1, -1], [1000, 1000, 1000, 1000]]
    assert c.gpus.model_names[int(c.gpus.model_ids[1])] == "G2"


def test_default_rule_whole_gpus_lowest_free_and_share_best_fit() -> None:
    c = ClusterState()
    c.add_node(node("g", 4, "G2"))
    assert c.add_pod(pod("s1", milli=600), "g").gpus == (0,)   # all free: lowest index
    assert c.add_pod(pod("w2", whole=2), "g").gpus == (1, 2)   # the two lowest fully free
    assert c.add_pod(pod("s2", milli=300), "g").gpus == (0,)   # best fit: 400 left on GPU 0 beats 1000
    # GPU 0: 1000 - 600 - 300 = 100; GPUs 1, 2 taken whole; GPU 3 free
    assert c.gpus.free[0].tolist() == [100, 0, 0, 1000]
    # GpuClustering tags: two share-gpu pods (tag 1), one 2-gpu pod (tag 1 + 2 = 3)
    assert c.gpu_tags[0, 1] == 2 and c.gpu_tags[0, 3] == 1


def test_scheduler_chosen_gpu_is_taken_and_an_unfit_choice_falls_back() -> None:
    c = ClusterState()
    c.add_node(node("g", 2, "G2"))
    c.add_pod(pod("s1", milli=600), "g")                                # GPU 0: 400 left
    assert c.add_pod(pod("s2", milli=300), "g", gpus=(1,)).gpus == (1,)  # chosen over best fit (GPU 0)
    # GPU 0 has 400 < 500: the choice cannot be honoured, best fit takes GPU 1 (700 left)
    assert c.add_pod(pod("s3", milli=500), "g", gpus=(0,)).gpus == (1,)
    assert c.gpus.free[0].tolist() == [400, 200]


def test_remove_pod_gives_its_gpus_back() -> None:
    c = ClusterState()
    c.add_node(node("g", 2, "G2"))
    c.add_pod(pod("w", whole=2), "g")
    c.add_pod(pod("cpu"), "g")
    c.remove_pod("w")
    assert c.gpus.free[0].tolist() == [1000, 1000]
    assert c.gpu_tags[0].tolist() == [1] + [0] * 9  # the CPU-only pod (tag 0) is left


def test_ledger_rows_follow_node_removal() -> None:
    c = ClusterState()
    c.add_node(node("a", 2, "G2"))
    c.add_node(node("b", 8, "V100"))
    c.add_node(node("c", 1, "T4"))
    c.add_pod(pod("pa", milli=250), "a")
    c.add_pod(pod("pb", whole=8), "b")
    c.add_pod(pod("pc", milli=700), "c")
    c.remove_node("b")
    g = c.gpus
    assert g.n_nodes == 2 and c.gpu_count[:2].tolist() == [2, 1]
    # a: 1000 - 250 on GPU 0; c (now row 1): 1000 - 700 on its one GPU
    assert g.free[:, :2].tolist() == [[750, 1000], [300, -1]]
    assert [g.model_names[int(m)] for m in g.model_ids] == ["G2", "T4"]
    assert c.gpu_tags[1, 1] == 1  # pc's share-gpu tag moved up with its node
    c.remove_pod("pc")
    assert g.free[1, 0] == 1000


def test_bound_pod_without_free_gpus_is_kept_and_counted() -> None:
    c = ClusterState()
    c.add_node(node("g", 1, "T4"))
    c.add_node(node("cpu"))
    c.add_pod(pod("w1", whole=1), "g")
    late = c.add_pod(pod("w2", whole=1), "g")      # bound elsewhere onto a full GPU
    lost = c.add_pod(pod("s", milli=100), "cpu")   # onto a node without GPUs
    assert late.gpus == () and late.missing_gpus and lost.missing_gpus
    assert c.pods_missing_gpus == 2 and c.gpus.free[0, 0] == 0
    c.remove_pod("w2")
    assert c.pods_missing_gpus == 1 and c.gpus.free[0, 0] == 0  # w1 still holds the GPU


def test_node_update_changing_gpus_rebinds_its_pods() -> None:
    c = ClusterState()
    c.add_node(node("g", 4, "G2"))
    c.add_pod(pod("w", whole=2), "g")          # GPUs 0, 1
    c.add_pod(pod("s", milli=500), "g")        # best fit among the free: GPU 2
    c.update_node(node("g", 4, "G2"))          # same GPUs: nothing moves
    assert c.gpus.free[0].tolist() == [0, 0, 500, 1000]
    c.update_node(node("g", 2, "A10"))         # two GPUs left: w keeps 0 and 1, s has no room
    assert c.gpus.free[0, :2].tolist() == [0, 0] and c.pods["s"].missing_gpus
    assert c.gpus.model_names[int(c.gpus.model_ids[0])] == "A10" and c.pods_missing_gpus == 1
