"""Stage 1 · the data: the contract, loading, parsing, cleaning, profiling and the demo
generator.
"""
