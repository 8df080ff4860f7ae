package dev.sparkj.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkj.tensor.Backend;
import dev.sparkj.tensor.Backends;
import dev.sparkj.tensor.Conv2dSpec;
import dev.sparkj.tensor.Rng;
import dev.sparkj.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * {@link Tensor#convTranspose2d} with a bias on the CPU backend, which adds the bias inside the convolution (in the
 * Winograd output transform on the SubPixel and 3x3 routes, in one pass over the rows on the others), against the
 * input gradient followed by a separate broadcast add: bit for bit, since either way each output is the
 * convolution's float result plus the bias. One case per route, and the reference backend (its default
 * {@link Backend#convTranspose2d}) within a relative 1e-5.
 */
class ConvTransposeBiasTest {
    private static final Backend REF = Backends.reference();

    private record Case(String name, int n, int cin, int cout, int h, int w, int k, Conv2dSpec spec, boolean channelsLast) {
        int[] outShape() {
            int ho = (h - 1) * spec.strideH() - 2 * spec.padH() + k, wo = (w - 1) * spec.strideW() - 2 * spec.padW() + k;
            return new int[]{n, cout, ho, wo};
        }
    }

    private static final Case[] CASES = {
            // SparK's up-sampling: 4x4 stride 2 padding 1, large enough for the SubPixel route
            new Case("subpixel", 4, 32, 32, 28, 28, 4, Conv2dSpec.of(2, 1, 1), true),
            new Case("winograd 3x3", 2, 32, 32, 16, 16, 3, Conv2dSpec.of(1, 1, 1), true),
            new Case("pointwise rows", 2, 24, 20, 5, 5, 1, Conv2dSpec.of(1, 0, 1), true),
            new Case("im2col phases", 2, 8, 6, 5, 5, 3, Conv2dSpec.of(2, 1, 1), true),
            new Case("depthwise", 2, 8, 8, 6, 6, 3, Conv2dSpec.of(1, 1, 8), true),
            new Case("pointwise planes", 2, 24, 20, 5, 5, 1, Conv2dSpec.of(1, 0, 1), false),
    };

    @Test
    void fusedBiasEqualsASeparateAdd() {
        Rng r = new Rng(5);
        for (Case c : CASES) {
            Tensor x = r.normal(0, 1, c.n, c.cin, c.h, c.w);
            if (c.channelsLast) x = x.toChannelsLast();
            Tensor w = r.normal(0, 0.2, c.cin, c.cout / c.spec.groups(), c.k, c.k);
            Tensor b = r.normal(0, 1, c.cout);
            int[] os = c.outShape();
            float[] fused = x.convTranspose2d(w, b, c.spec, os).contiguous().toFloatArray();
            float[] separate = x.conv2dBackwardInput(w, c.spec, os).addInPlace(b.reshape(1, c.cout, 1, 1)).contiguous().toFloatArray();
            assertEquals(separate.length, fused.length, c.name);
            for (int i = 0; i < fused.length; i++)
                assertEquals(Float.floatToIntBits(separate[i]), Float.floatToIntBits(fused[i]), c.name + " element " + i);
            Tensor ref = x.to(REF).convTranspose2d(w.to(REF), b.to(REF), c.spec, os);
            double e = WinogradTest.relError(Tensor.of(fused, os), ref);
            assertTrue(e <= 1e-5, c.name + " against the reference backend: " + e);
            // and without a bias, the plain input gradient
            float[] none = x.convTranspose2d(w, null, c.spec, os).contiguous().toFloatArray();
            float[] plain = x.conv2dBackwardInput(w, c.spec, os).contiguous().toFloatArray();
            for (int i = 0; i < none.length; i++)
                assertEquals(Float.floatToIntBits(plain[i]), Float.floatToIntBits(none[i]), c.name + " without bias, element " + i);
        }
    }

    @Test
    void theSparkUpSamplingTakesTheSubPixelRoute() {
        Case c = CASES[0];
        ConvGeometry g = ConvGeometry.of(c.outShape(), new int[]{c.cin, c.cout, c.k, c.k}, new int[]{c.n, c.cin, c.h, c.w}, c.spec);
        assertTrue(SubPixel.pays(g), "the first case must exercise the SubPixel route");
        Case d = CASES[1];
        ConvGeometry g3 = ConvGeometry.of(d.outShape(), new int[]{d.cin, d.cout, d.k, d.k}, new int[]{d.n, d.cin, d.h, d.w}, d.spec);
        assertTrue(Winograd.pays(g3), "the second case must exercise the 3x3 Winograd route");
    }
}
