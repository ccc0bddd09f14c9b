"""Differentiable ops: one small Function class per op, forward and VJP side by side."""
