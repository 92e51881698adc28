"""kube-apiserver admission plugins: callables object -> object that the API server runs, in order, on create."""
