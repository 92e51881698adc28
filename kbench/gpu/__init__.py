"""GPU-sharing models from the FGD paper: task types, fragmentation measure and kernels."""
