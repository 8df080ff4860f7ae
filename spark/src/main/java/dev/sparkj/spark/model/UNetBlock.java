package dev.sparkj.spark.model;

import dev.sparkj.autograd.Variable;
import dev.sparkj.nn.BatchNorm2d;
import dev.sparkj.nn.Conv2d;
import dev.sparkj.nn.ConvTranspose2d;
import dev.sparkj.nn.Layer;
import dev.sparkj.nn.Module;
import dev.sparkj.nn.ReLU6;
import dev.sparkj.nn.Sequential;
import dev.sparkj.tensor.Rng;

/**
 * One stage of SparK's light decoder: a 2× up-sampling transposed convolution, then
 * conv3x3 → BN → ReLU6 → conv3x3 → BN (spark-semantics.md §4). Keys: {@code up_sample.*}, {@code conv.{0,1,3,4}.*}.
 */
public final class UNetBlock extends Module implements Layer {
    private final ConvTranspose2d upSample;
    private final Sequential conv;

    public UNetBlock(int cin, int cout, Rng rng) {
        upSample = child("up_sample", new ConvTranspose2d(cin, cin, 4, 2, 1, true, rng));
        conv = child("conv", new Sequential(
                new Conv2d(cin, cin, 3, 1, 1, false, rng), new BatchNorm2d(cin), new ReLU6(),
                new Conv2d(cin, cout, 3, 1, 1, false, rng), new BatchNorm2d(cout)));
    }

    /** {@code [N, cin, H, W]} → {@code [N, cout, 2H, 2W]}. */
    @Override
    public Variable forward(Variable x) {
        return conv.forward(upSample.forward(x));
    }
}
