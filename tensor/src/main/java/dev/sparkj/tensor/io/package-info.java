/**
 * Tensor file formats: {@link dev.sparkj.tensor.io.SafeTensors} (read and write),
 * {@link dev.sparkj.tensor.io.PthReader} / {@link dev.sparkj.tensor.io.PthWriter} (PyTorch zip
 * checkpoints through a restricted unpickler that never runs code), {@link dev.sparkj.tensor.io.IdxReader}
 * (MNIST-style IDX, plain or gzip), and {@link dev.sparkj.tensor.io.AtomicFiles} (crash-safe writes,
 * for checkpoints). Every reader validates its input and fails with a
 * {@link dev.sparkj.tensor.io.TensorFileException} naming the file, the entry and the problem.
 */
package dev.sparkj.tensor.io;
