package dev.sparkj.nn;

import dev.sparkj.autograd.Variable;
import dev.sparkj.tensor.Rng;
import dev.sparkj.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Initialisers: fans, bounds and the statistics of the drawn values. */
class InitTest {

    private static double[] stats(Tensor t) {
        double[] v = t.toDoubleArray();
        double m = 0, s = 0, lo = Double.MAX_VALUE, hi = -Double.MAX_VALUE;
        for (double x : v) { m += x; lo = Math.min(lo, x); hi = Math.max(hi, x); }
        m /= v.length;
        for (double x : v) s += (x - m) * (x - m);
        return new double[]{m, Math.sqrt(s / v.length), lo, hi};
    }

    @Test
    void fans() {
        assertEquals(3 * 9, Init.fanIn(new int[]{8, 3, 3, 3}));
        assertEquals(8 * 9, Init.fanOut(new int[]{8, 3, 3, 3}));
        assertEquals(5, Init.fanIn(new int[]{7, 5}));
    }

    @Test
    void pytorchDefaultIsUniformOverOneOverSqrtFanIn() {
        Conv2d c = new Conv2d(16, 32, 3, 1, 1, true, new Rng(1));
        double bound = 1 / Math.sqrt(16 * 9);
        double[] w = stats(c.weight().data()), b = stats(c.bias().data());
        assertTrue(w[2] >= -bound && w[3] < bound && w[3] > 0.95 * bound);
        assertEquals(bound / Math.sqrt(3), w[1], 0.03 * bound);
        assertTrue(b[2] >= -bound && b[3] < bound);
        Linear l = new Linear(50, 40, new Rng(2));
        assertEquals(1 / Math.sqrt(50) / Math.sqrt(3), stats(l.weight().data())[1], 0.05 / Math.sqrt(50));
    }

    @Test
    void kaimingNormalFanOut() {
        Variable p = Variable.param(Tensor.zeros(64, 16, 3, 3));
        Init.kaimingNormalRelu(p, Init.FanMode.FAN_OUT, new Rng(3));
        double[] s = stats(p.data());
        assertEquals(Math.sqrt(2.0 / (64 * 9)), s[1], 0.02 * Math.sqrt(2.0 / (64 * 9)));
        assertEquals(0, s[0], 0.005);
    }

    @Test
    void truncNormalUsesAbsoluteBounds() {
        Variable p = Variable.param(Tensor.zeros(20000));
        Init.truncNormal(p, 0.02, new Rng(4)); // bounds ±2: nothing is cut
        double[] s = stats(p.data());
        assertEquals(0.02, s[1], 0.0005);
        Init.truncNormal(p, 0.02, -0.02, 0.02, new Rng(5)); // SparK's mask tokens: cut at ±1 std
        s = stats(p.data());
        assertTrue(s[2] >= -0.02 && s[3] <= 0.02);
        // a normal truncated at ±1σ has std σ·sqrt(1 - 2φ(1)/(2Φ(1)-1)) ≈ 0.5379σ
        assertEquals(0.02 * 0.5379, s[1], 0.0003);
    }

    @Test
    void constants() {
        Variable p = Variable.param(Tensor.zeros(3));
        Init.constant(p, 1e-6);
        assertEquals(1e-6, p.data().get(2), 1e-12);
        Init.ones(p);
        assertEquals(1, p.data().get(0));
    }
}
