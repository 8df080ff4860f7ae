package dev.sparkj.sparse;

import dev.sparkj.autograd.F;
import dev.sparkj.autograd.Variable;
import dev.sparkj.tensor.Conv2dSpec;
import dev.sparkj.tensor.Rng;
import dev.sparkj.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;

import static dev.sparkj.sparse.SparseTesting.*;
import static org.junit.jupiter.api.Assertions.*;

/** Sparse conv2d vs masked-dense conv (dense conv of the masked input, output masked): values and gradients. */
class SparseConvTest {

    /** One conv geometry of the ResNet / ConvNeXt families, at an input tile size. */
    record Geo(String name, int cin, int cout, int k, int stride, int pad, int groups, int tile, boolean bias) {
        Conv2dSpec spec() { return Conv2dSpec.of(stride, pad, groups); }
    }

    static List<Geo> geometries() {
        return List.of(
                new Geo("3x3 s1 p1", 4, 5, 3, 1, 1, 1, 2, false),
                new Geo("3x3 s2 p1", 4, 6, 3, 2, 1, 1, 4, true),
                new Geo("1x1 s1", 6, 5, 1, 1, 0, 1, 2, true),
                new Geo("1x1 s2 (downsample)", 4, 6, 1, 2, 0, 1, 2, false),
                new Geo("7x7 s2 p3 (ResNet stem)", 3, 4, 7, 2, 3, 1, 4, false),
                new Geo("7x7 depthwise p3 (ConvNeXt)", 4, 4, 7, 1, 3, 4, 2, true),
                new Geo("4x4 s4 (ConvNeXt stem)", 3, 5, 4, 4, 0, 1, 4, true),
                new Geo("2x2 s2 (ConvNeXt downsample)", 4, 6, 2, 2, 0, 1, 2, true),
                new Geo("3x3 groups 2 (ResNeXt)", 4, 6, 3, 1, 1, 2, 2, true),
                new Geo("3x3 s1 p1 at tile 1", 4, 3, 3, 1, 1, 1, 1, true),
                // channel counts at which the products read the input through the tap table (GatheredGemm), with
                // enough rows at tile 8 for the few-column product
                new Geo("3x3 s1 p1, 16 -> 24 channels (gathered)", 16, 24, 3, 1, 1, 1, 8, true),
                new Geo("3x3 s2 p1, 32 -> 16 channels (gathered)", 32, 16, 3, 2, 1, 1, 8, false),
                new Geo("1x1 s2 (downsample), 16 -> 32 channels (gathered)", 16, 32, 1, 2, 0, 1, 8, false),
                // depthwise on a register block of channels, one more vector and a scalar tail
                new Geo("7x7 depthwise p3, 44 channels", 44, 44, 7, 1, 3, 44, 4, true));
    }

    static List<ActiveMask> masks() {
        return List.of(patterned(), SparseTesting.random(2, 3, 3, 4, 7), SparseTesting.random(3, 3, 3, 2, 8));
    }

    private static Variable[] params(Geo g, Rng rng) {
        Variable w = Variable.param(rng.normal(0, 0.5, g.cout, g.cin / g.groups, g.k, g.k));
        Variable b = g.bias ? Variable.param(rng.normal(0, 0.5, g.cout)) : null;
        return new Variable[]{w, b};
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("geometries")
    void equalsMaskedDenseConv(Geo g) {
        Rng rng = new Rng(g.name.hashCode());
        for (ActiveMask mask : masks()) {
            int size = 3 * g.tile;
            Tensor x = normal(rng, mask.batch(), g.cin, size, size);
            Variable[] p = params(g, rng);
            Tensor mOut = mask.upsample(g.tile / g.stride);
            compare(mask, x, p, s -> SparseOps.conv2d(s, p[0], p[1], g.spec(), "conv"),
                    xm -> F.mul(F.conv2d(xm, p[0], p[1], g.spec()), Variable.of(mOut)), 2e-4);
            // the MASKED_DENSE storage gives the same numbers too
            compare(mask, x, p, s -> SparseOps.conv2d(s, p[0], p[1], g.spec(), "conv"), null, 2e-4);
        }
    }

    /**
     * The products on gathered rows against the written-out im2col ({@code sparkj.sparse.gathered=false}): the
     * forward pass and the weight gradient are the same floats; the input gradient at stride 1 sums the same
     * products in another order (one chain over taps and channels instead of a GEMM then a sum over taps), so
     * it agrees to rounding; at stride 2 it takes the written-out path either way.
     */
    @Test
    void gatheredRowsGiveTheWrittenOutResults() {
        for (int stride : new int[]{1, 2}) {
            Rng rng = new Rng(40 + stride);
            ActiveMask mask = SparseTesting.random(2, 3, 3, 5, 9);
            Tensor x = normal(rng, 2, 32, 24, 24);
            Tensor w = rng.normal(0, 0.2, 48, 32, 3, 3), b = rng.normal(0, 0.2, 48);
            Tensor[][] got = new Tensor[2][];
            for (int v = 0; v < 2; v++) {
                String before = System.getProperty("sparkj.sparse.gathered");
                System.setProperty("sparkj.sparse.gathered", v == 0 ? "true" : "false");
                try {
                    Variable xv = Variable.param(x), wv = Variable.param(w), bv = Variable.param(b);
                    SparseMap y = SparseOps.conv2d(SparseMap.of(xv, mask, SparseMap.Mode.PACKED), wv, bv, Conv2dSpec.of(stride, 1, 1), "conv");
                    Variable rows = y.rows();
                    F.sum(F.mul(rows, Variable.of(new Rng(3).normal(0, 1, rows.shape())))).backward();
                    got[v] = new Tensor[]{rows.data(), xv.grad(), wv.grad(), bv.grad()};
                } finally {
                    if (before == null) System.clearProperty("sparkj.sparse.gathered");
                    else System.setProperty("sparkj.sparse.gathered", before);
                }
            }
            assertTrue(absSum(got[0][1]) > 0 && got[0][0].shape(0) >= 256 / (stride * stride), "a real input gradient and enough rows");
            assertArrayEquals(got[1][0].toFloatArray(), got[0][0].toFloatArray(), "forward, stride " + stride);
            assertArrayEquals(got[1][2].toFloatArray(), got[0][2].toFloatArray(), "weight gradient, stride " + stride);
            assertArrayEquals(got[1][3].toFloatArray(), got[0][3].toFloatArray(), "bias gradient, stride " + stride);
            if (stride == 2) assertArrayEquals(got[1][1].toFloatArray(), got[0][1].toFloatArray(), "input gradient, stride 2");
            else assertClose(got[1][1], got[0][1], 2e-5, "input gradient, stride 1"); // 432-term sums of values near 1: float rounding is ~1e-6 of them
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("geometries")
    void allVisibleEqualsPlainDenseConv(Geo g) {
        Rng rng = new Rng(5);
        ActiveMask mask = ActiveMask.allVisible(2, 2, 2);
        Tensor x = normal(rng, 2, g.cin, 2 * g.tile, 2 * g.tile);
        Variable[] p = params(g, rng);
        compare(mask, x, p, s -> SparseOps.conv2d(s, p[0], p[1], g.spec(), "conv"),
                xm -> F.conv2d(xm, p[0], p[1], g.spec()), 2e-4);
    }

    @Test
    void stridedConvMovesToTheNextScale() {
        ActiveMask mask = patterned();
        Variable w = Variable.param(Tensor.ones(2, 3, 3, 3));
        SparseMap x = SparseMap.of(Variable.of(Tensor.ones(2, 3, 12, 12)), mask, SparseMap.Mode.PACKED);
        SparseMap y = SparseOps.conv2d(x, w, null, Conv2dSpec.of(2, 1, 1), "layer2.0.conv2");
        assertSame(mask.layout(2), y.layout());
        assertArrayEquals(new int[]{2, 2, 6, 6}, y.shape());
        assertEquals(6 * 4, y.rows().shape(0));
        // output (0,0) of image 0: 2x2 visible input window of ones (top-left padded) x 3 channels = 12
        assertEquals(12.0, y.toMaskedDense().data().get(0, 0, 0, 0), 1e-5);
    }

    @Test
    void misalignedGeometryFailsNamingTheLayer() {
        ActiveMask mask = patterned();
        SparseMap x = SparseMap.of(Variable.of(Tensor.ones(2, 3, 6, 6)), mask, SparseMap.Mode.PACKED);
        Variable w = Variable.param(Tensor.ones(2, 3, 3, 3));
        var e = assertThrows(UnsupportedOperationException.class,
                () -> SparseOps.conv2d(x, w, null, Conv2dSpec.of(1, 0, 1), "stem.weird"));
        assertTrue(e.getMessage().contains("stem.weird"), e.getMessage());
        // stride 4 cannot split a tile of 2
        var e2 = assertThrows(UnsupportedOperationException.class,
                () -> SparseOps.conv2d(x, Variable.param(Tensor.ones(2, 3, 4, 4)), null, Conv2dSpec.of(4, 0, 1), "stages.0.down"));
        assertTrue(e2.getMessage().contains("stages.0.down"), e2.getMessage());
    }
}
