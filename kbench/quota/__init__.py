"""Resource quota accounting shared by the ResourceQuota admission plugin and the quota controller
(k8s.io/apiserver/pkg/quota/v1 and pkg/quota/v1/evaluator/core)."""
