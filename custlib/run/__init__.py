"""Running the kit: paths, the files handed between notebooks, parameters, the runner,
batches and the command line.
"""
