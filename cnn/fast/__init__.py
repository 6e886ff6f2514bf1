"""The fast engine: the same network as `cnn/layers.py`, run on the same parameter arrays, faster.

- `plan.py`: which layers run fused (conv -> ReLU -> 2x2 max-pool; ReLU -> max-pool);
- `conv.py`: a convolution on channels-last buffers, one product (by blocks of letters in a
  share of a split batch), Winograd for one letter;
- `linear.py`: a dense layer's forward product in the order BLAS runs fastest;
- `pool.py`: 2x2 max-pooling as four window corners compared pairwise, ReLU fused;
- `columns.py`: im2col / col2im for those buffers, rows in pooling-window corner order;
- `winograd.py`: the F(2x2, 3x3) transform.

Training batches are further split between the CPU cores in `cnn/parallel.py`, and into chunks
in `cnn/train.py`. Every path is tested against the reference layers (tests/test_fast.py).
"""
