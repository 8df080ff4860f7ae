package dev.sparkj.autograd;

import dev.sparkj.tensor.Backends;
import dev.sparkj.tensor.Conv2dSpec;
import dev.sparkj.tensor.DType;
import dev.sparkj.tensor.Pool2dSpec;
import dev.sparkj.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.function.Function;

import static dev.sparkj.autograd.TestData.randn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A small CNN chaining many ops: its gradients pass the finite-difference check in double, and the same
 * graph in F32 on the default (CPU) backend gives the same gradients within float rounding.
 */
class MixedNetworkTest {

    /** conv → GELU → maxpool → (x - mean)·rsqrt(var + eps) over channels → linear → log-softmax → pick labels. */
    private static Variable net(Variable[] v) {
        Variable x = v[0], w = v[1], b = v[2], lw = v[3];
        Variable h = F.gelu(F.conv2d(F.toChannelsLast(x), w, b, Conv2dSpec.of(1, 1, 1)));     // [2,4,6,6]
        h = F.maxPool2d(h, Pool2dSpec.of(2, 2, 0));                                            // [2,4,3,3]
        Variable mu = F.mean(h, new int[]{0, 2, 3}, true);
        Variable var = F.var(h, new int[]{0, 2, 3}, 0, true);
        h = F.mul(F.sub(h, mu), F.rsqrt(F.add(var, 1e-5)));
        Variable logits = F.linear(F.flatten(h, 1, 3), lw, null);                            // [2,5]
        Variable lp = F.logSoftmax(logits, 1);
        Tensor labels = Tensor.ofLongs(new long[]{3, 1}, 2, 1);
        return F.mean(F.neg(F.gather(lp, 1, labels)));
    }

    private static final int[][] SHAPES = {{2, 3, 6, 6}, {4, 3, 3, 3}, {4}, {5, 36}};

    @Test
    void gradientsPassTheCheck() {
        Tensor[] in = new Tensor[SHAPES.length];
        for (int i = 0; i < in.length; i++) in[i] = randn(100 + i, SHAPES[i]);
        GradCheck.Result r = GradCheck.check(GradCheck.Options.DEFAULT.withTolerance(1e-4, 1e-7), MixedNetworkTest::net, in);
        assertTrue(r.ok(), r.toString());
    }

    @Test
    void float32OnTheDefaultBackendMatchesDouble() {
        Tensor[] grads64 = grads(MixedNetworkTest::net, DType.F64, true);
        Tensor[] grads32 = grads(MixedNetworkTest::net, DType.F32, false);
        for (int i = 0; i < grads64.length; i++) {
            double[] a = grads64[i].toDoubleArray(), b = grads32[i].toDoubleArray();
            double scale = 0;
            for (double d : a) scale = Math.max(scale, Math.abs(d));
            for (int k = 0; k < a.length; k++)
                assertEquals(a[k], b[k], 1e-4 * scale + 1e-6, "input " + i + " element " + k);
        }
    }

    private static Tensor[] grads(Function<Variable[], Variable> f, DType dt, boolean reference) {
        Variable[] v = new Variable[SHAPES.length];
        for (int i = 0; i < v.length; i++) {
            Tensor t = randn(100 + i, SHAPES[i]).cast(dt);
            v[i] = Variable.param(reference ? t : t.to(Backends.cpu()));
        }
        Variable loss = f.apply(v);
        assertEquals(dt, loss.dtype());
        loss.backward();
        Tensor[] g = new Tensor[v.length];
        for (int i = 0; i < v.length; i++) g[i] = v[i].grad();
        return g;
    }
}
