/**
 * The data pipeline for pre-training and evaluation: decoding image files to planar RGB floats
 * ({@link dev.sparkj.spark.data.ImageDecoder}), datasets (image folders, IDX files, the bundled
 * Fashion-MNIST quickstart slice via {@link dev.sparkj.spark.data.Datasets}), seeded per-sample
 * transforms (RandomResizedCrop, bicubic resize in torch or PIL convention, flip, centre crop,
 * normalisation) and the multi-threaded, deterministic {@link dev.sparkj.spark.data.DataLoader} that
 * wraps each batch as an F32 tensor {@code [B,3,H,W]}.
 *
 * <p>Images stay plain {@code float[]} ({@link dev.sparkj.spark.data.FloatImage}) until a batch is
 * assembled; nothing here depends on gradients or layers.
 */
package dev.sparkj.spark.data;
