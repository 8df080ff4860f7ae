package dev.sparkj.autograd;

import dev.sparkj.tensor.Conv2dSpec;
import dev.sparkj.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static dev.sparkj.autograd.TestData.check;
import static dev.sparkj.autograd.TestData.randn;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Gradient checks of conv2d and convTranspose2d over strides, padding, dilation, groups and layouts. */
class ConvGradTest {

    @Test
    void conv2dStridePadding() {
        check(v -> F.conv2d(v[0], v[1], v[2], Conv2dSpec.of(2, 1, 1)), randn(1, 2, 3, 7, 6), randn(2, 4, 3, 3, 3), randn(3, 4));
        check(v -> F.conv2d(v[0], v[1], null, Conv2dSpec.of(1, 0, 1)), randn(4, 1, 2, 5, 5), randn(5, 3, 2, 1, 1));  // 1x1
    }

    @Test
    void conv2dDilationAndAsymmetricGeometry() {
        Conv2dSpec spec = new Conv2dSpec(1, 2, 2, 1, 2, 1, 1);  // stride (1,2), pad (2,1), dilation (2,1)
        check(v -> F.conv2d(v[0], v[1], v[2], spec), randn(6, 1, 2, 6, 7), randn(7, 3, 2, 3, 2), randn(8, 3));
    }

    @Test
    void conv2dGroupsAndDepthwise() {
        check(v -> F.conv2d(v[0], v[1], v[2], Conv2dSpec.of(1, 1, 2)), randn(9, 1, 4, 5, 5), randn(10, 6, 2, 3, 3), randn(11, 6));
        check(v -> F.conv2d(v[0], v[1], v[2], Conv2dSpec.of(2, 3, 4)), randn(12, 2, 4, 6, 6), randn(13, 4, 1, 7, 7), randn(14, 4)); // depthwise k7
    }

    @Test
    void conv2dChannelsLastInput() {
        Tensor x = randn(15, 2, 3, 5, 4).toChannelsLast();
        assertTrue(x.isChannelsLast());
        check(v -> F.conv2d(v[0], v[1], v[2], Conv2dSpec.of(1, 1, 1)), x, randn(16, 2, 3, 3, 3), randn(17, 2));
        check(v -> F.conv2d(F.toChannelsLast(v[0]), v[1], null, Conv2dSpec.of(2, 1, 1)), randn(18, 1, 3, 5, 5), randn(19, 2, 3, 3, 3));
    }

    /**
     * A channels-last input whose output gradient arrives row-major (a loss on NCHW patches): the gradients equal
     * those of the all-NCHW computation, and the input gradient comes back channels-last, so the layers below
     * keep that layout (conv2d and convTranspose2d).
     */
    @Test
    void channelsLastInputGetsChannelsLastGradientFromRowMajorOutputGradient() {
        for (boolean transposed : new boolean[]{false, true}) {
            Tensor x = randn(40, 2, 3, 6, 5), w = transposed ? randn(41, 3, 4, 4, 4) : randn(41, 4, 3, 3, 3);
            Tensor[][] grads = new Tensor[2][];
            for (int layout = 0; layout < 2; layout++) {
                Variable xv = Variable.param(layout == 0 ? x.contiguous() : x.toChannelsLast()), wv = Variable.param(w);
                Variable y = transposed ? F.convTranspose2d(xv, wv, null, 2, 1, 0, 1) : F.conv2d(xv, wv, null, Conv2dSpec.of(1, 1, 1));
                Tensor gy = randn(42, y.shape()).contiguous();
                assertTrue(!gy.isChannelsLast());
                y.backward(gy);
                grads[layout] = new Tensor[]{xv.grad(), wv.grad()};
            }
            assertTrue(grads[1][0].isChannelsLast(), "input gradient is channels-last, transposed=" + transposed);
            for (int k = 0; k < 2; k++)
                assertTrue(grads[1][k].sub(grads[0][k]).abs().max().item() <= 1e-9 * grads[0][k].abs().max().item(),
                        "gradient " + k + " differs between layouts, transposed=" + transposed);
        }
    }

    @Test
    void convTranspose2dK4S2P1() {
        Variable y = F.convTranspose2d(Variable.of(randn(20, 2, 3, 4, 4)), Variable.of(randn(21, 3, 2, 4, 4)), null, 2, 1, 0, 1);
        assertArrayEquals(new int[]{2, 2, 8, 8}, y.shape());
        check(v -> F.convTranspose2d(v[0], v[1], v[2], 2, 1, 0, 1), randn(22, 2, 3, 4, 4), randn(23, 3, 2, 4, 4), randn(24, 2));
    }

    @Test
    void convTranspose2dGroupsOutputPaddingDilation() {
        check(v -> F.convTranspose2d(v[0], v[1], v[2], 2, 1, 1, 3), randn(25, 1, 6, 3, 3), randn(26, 6, 2, 3, 3), randn(27, 6));
        Conv2dSpec spec = new Conv2dSpec(3, 2, 0, 1, 2, 1, 1);
        check(v -> F.convTranspose2d(v[0], v[1], null, spec, 2, 1), randn(28, 1, 2, 3, 4), randn(29, 2, 3, 2, 3));
    }

    @Test
    void convTransposeIsTheAdjointOfConv() {
        // <convT(x), z> = <x, conv(z)> for the same weight and geometry
        Conv2dSpec spec = Conv2dSpec.of(2, 1, 1);
        Tensor x = randn(30, 2, 3, 4, 4), w = randn(31, 3, 5, 4, 4), z = randn(32, 2, 5, 8, 8);
        Tensor ct = F.convTranspose2d(Variable.of(x), Variable.of(w), null, spec, 0, 0).data();
        Tensor c = F.conv2d(Variable.of(z), Variable.of(w), null, spec).data();
        assertEquals(ct.mul(z).sum().item(), x.mul(c).sum().item(), 1e-9);
    }

    @Test
    void convTransposeOfOnePixelPaintsTheKernel() {
        // one input pixel of value 2 with k2 s2: the output is 2 * kernel, plus the bias
        Variable x = Variable.of(Tensor.of(new float[]{2}, 1, 1, 1, 1));
        Variable w = Variable.of(Tensor.of(new float[]{1, 2, 3, 4}, 1, 1, 2, 2));
        Variable b = Variable.of(Tensor.of(new float[]{0.5f}, 1));
        assertArrayEquals(new float[]{2.5f, 4.5f, 6.5f, 8.5f}, F.convTranspose2d(x, w, b, 2, 0, 0, 1).data().toFloatArray());
    }

    @Test
    void convTransposeRejectsBadShapes() {
        Variable x = Variable.of(randn(33, 1, 4, 3, 3));
        assertThrows(IllegalArgumentException.class, () -> F.convTranspose2d(x, Variable.of(randn(34, 3, 2, 3, 3)), null, 1, 0, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> F.convTranspose2d(x, Variable.of(randn(35, 4, 2, 3, 3)), null, 1, 0, 1, 1));
    }
}
