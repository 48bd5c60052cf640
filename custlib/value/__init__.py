"""Stage 3 · customer value: the customer summary, the BTYD purchase models, spend and CLV."""
