"""chainrule.nn: a small PyTorch-like neural-network layer on top of `autograd`."""
