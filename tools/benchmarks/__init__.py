"""``make bench``: catalogue search latency and whole-conversation turn latency/throughput.

Figures only, no thresholds: see run.py for what is measured and where it is written.
"""
