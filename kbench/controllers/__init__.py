"""kube-controller-manager's controllers, each a process of the simulation that sees the cluster
only through shared informers and changes it only through API server writes."""
