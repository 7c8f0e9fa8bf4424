"""Tools beside the assistant: the local stack launcher (make run), NLU evaluation (make eval), benchmarks (make bench)."""
