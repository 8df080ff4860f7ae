package dev.sparkj.spark.train;

import dev.sparkj.nn.Module;
import dev.sparkj.nn.models.Models;
import dev.sparkj.spark.model.SparK;
import dev.sparkj.tensor.Rng;

/** Builds the SparK model a {@link PretrainConfig} describes (encoder without classifier head, decoder, densify layers). */
public final class SparkModels {
    private SparkModels() {}

    /** The encoder CNN ({@code num_classes = 0}): {@code Models.fromArch(arch)} or the preset {@code model}. */
    public static Module encoder(PretrainConfig c, Rng rng) {
        return c.arch() != null ? Models.fromArch(c.arch(), 0, c.dropPath(), rng) : Models.create(c.model(), 0, c.dropPath(), rng);
    }

    /** The whole SparK model, initialised from {@code rng} (the encoder first, as the reference builds it). */
    public static SparK build(PretrainConfig c, Rng rng) {
        Module cnn = encoder(c, rng);
        return new SparK(cnn, c.inputH(), c.inputW(), c.maskRatio(), c.decoderWidth(), c.densifyNorm(), rng);
    }
}
