"""Foundations of chapters 1-2 (this package imports nothing; each module is imported by name).

- :mod:`book_utils.basics.classic`: Chapter 1's classical models (a hand-written rule, a
  class-conditional Gaussian), NumPy / SciPy;
- :mod:`book_utils.basics.samplers`: sampling from a density, and learning one, in NumPy (Section 2.1);
- :mod:`book_utils.basics.toy`: small generated 1-D and 2-D distributions with exact densities;
- :mod:`book_utils.basics.tiny_data`: the input checks shared by the two tiny XOR nets (NumPy);
- :mod:`book_utils.basics.tiny_torch` / :mod:`book_utils.basics.tiny_tf`: Section 2.2's small
  multilayer perceptron in PyTorch and in TensorFlow / Keras 3 (each imports its framework);
- :mod:`book_utils.basics.backprop` / :mod:`book_utils.basics.optimizers`: Section 2.2's network with
  its backward pass written out by hand, trained by gradient descent or Adam (NumPy);
- :mod:`book_utils.basics.conv`: output sizes of (transposed) convolutions, and a transposed
  convolution written out (NumPy).
"""
