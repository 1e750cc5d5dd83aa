"""Developer tooling: the local stack, benchmarks, the chalice-local shim."""
