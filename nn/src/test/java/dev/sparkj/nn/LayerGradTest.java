package dev.sparkj.nn;

import dev.sparkj.autograd.F;
import dev.sparkj.autograd.Variable;
import dev.sparkj.tensor.Conv2dSpec;
import dev.sparkj.tensor.Pool2dSpec;
import dev.sparkj.tensor.Rng;
import dev.sparkj.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static dev.sparkj.nn.Checks.checkLayer;
import static dev.sparkj.nn.Checks.checkModule;
import static dev.sparkj.nn.Checks.distinct;
import static dev.sparkj.nn.Checks.randn;
import static dev.sparkj.nn.Checks.randomize;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Finite-difference gradient checks (double, reference backend) of every layer, input and parameters. */
class LayerGradTest {

    @Test
    void conv2dPlainStridedDilatedGrouped() {
        checkLayer(new Conv2d(3, 4, 3, 1, 1, true, new Rng(1)), randn(2, 2, 3, 5, 5));
        checkLayer(new Conv2d(2, 4, 3, 2, 1, 2, 2, false, new Rng(3)), randn(4, 1, 2, 7, 6));
        checkLayer(new Conv2d(2, 3, 1, 1, 0, true, new Rng(5)), randn(6, 2, 2, 3, 3));
    }

    @Test
    void conv2dDepthwise() {
        Conv2d dw = new Conv2d(3, 3, 7, 7, new Conv2dSpec(1, 1, 3, 3, 1, 1, 3), true, new Rng(7));
        checkLayer(dw, randn(8, 1, 3, 5, 5));
    }

    @Test
    void convTranspose2d() {
        ConvTranspose2d up = new ConvTranspose2d(3, 2, 4, 2, 1, true, new Rng(9));
        Variable y = up.forward(Variable.of(randn(10, 1, 3, 3, 3)));
        assertArrayEquals(new int[]{1, 2, 6, 6}, y.shape());
        assertArrayEquals(new int[]{3, 2, 4, 4}, up.weight().shape()); // PyTorch layout [in, out/g, kh, kw]
        checkLayer(up, randn(11, 1, 3, 3, 3));
    }

    @Test
    void linearOnLastAxis() {
        checkLayer(new Linear(4, 3, new Rng(12)), randn(13, 2, 3, 4));
        checkLayer(new Linear(3, 2, false, new Rng(14)), randn(15, 5, 3));
    }

    @Test
    void batchNormTrainingMode() {
        BatchNorm2d bn = randomize(new BatchNorm2d(3), 16);
        bn.train();
        checkLayer(bn, randn(17, 2, 3, 3, 2).mul(2).add(1));
    }

    @Test
    void batchNormTrainingModeWithLargeMean() {
        // |mean| >> std: the centred formulation must keep the gradient exact
        BatchNorm2d bn = randomize(new BatchNorm2d(2), 18);
        checkLayer(bn, randn(19, 3, 2, 2, 2).mul(0.1).add(50));
    }

    @Test
    void batchNormOnePassKernelsAgreeAcrossLayouts() {
        // float32: row-major NCHW and channels-last take the one-pass kernels (planes / rows of C), a strided
        // view the composed tensor ops; all three must give the same output and gradients
        Rng r = new Rng(30); // float32 on the CPU backend (randn gives float64 for the gradient checks)
        Tensor x = r.normal(0, 1, 3, 5, 6, 7).mul(2).add(0.5), gy = r.normal(0, 1, 3, 5, 6, 7);
        Tensor wide = r.normal(0, 1, 3, 5, 6, 14);
        wide.slice(3, 0, 14, 2).copyFrom(x);
        Tensor[] layouts = {x.contiguous(), x.toChannelsLast(), wide.slice(3, 0, 14, 2)};
        Tensor[][] res = new Tensor[3][];
        for (int i = 0; i < 3; i++) {
            BatchNorm2d bn = randomize(new BatchNorm2d(5), 33);
            bn.train();
            Variable in = Variable.param(layouts[i]);
            Variable y = bn.forward(in);
            y.backward(gy);
            res[i] = new Tensor[]{y.data(), in.grad(), bn.namedParameters().get("weight").grad(), bn.namedParameters().get("bias").grad()};
        }
        for (int i = 1; i < 3; i++)
            for (int k = 0; k < 4; k++) {
                double err = res[i][k].sub(res[0][k]).abs().max().item(), scale = res[0][k].abs().max().item();
                assertTrue(err <= 1e-5 * scale, "layout " + i + " output " + k + ": " + err + " of " + scale);
            }
        assertTrue(layouts[1].isChannelsLast() && res[1][0].isChannelsLast(), "channels-last in, channels-last out");
    }

    @Test
    void batchNormWithActivationInOneOpGivesTheBitsOfTheTwoLayers() {
        // BN followed by ReLU / ReLU6 as one op against BN and then the activation's own op: output and every
        // gradient equal bit for bit, for the one-pass layouts (NCHW planes, channels-last rows, packed rows),
        // the composed fallback (a strided view), training and evaluation. Weights up to 5 put z on both sides
        // of 0 and 6.
        Rng r = new Rng(34);
        int c = 21; // whole vectors of channels and a tail on AVX2 and AVX-512 alike
        Tensor x = r.normal(0, 1, 3, c, 6, 7).mul(2).add(0.5), gy = r.normal(0, 1, 3, c, 6, 7);
        Tensor wide = r.normal(0, 1, 3, c, 6, 14);
        wide.slice(3, 0, 14, 2).copyFrom(x);
        Tensor rows = r.normal(0, 1, 37, c).mul(2), gyRows = r.normal(0, 1, 37, c);
        Tensor[] inputs = {x.contiguous(), x.toChannelsLast(), wide.slice(3, 0, 14, 2), rows};
        Tensor[] grads = {gy, gy.toChannelsLast(), gy, gyRows};
        float[] w = new float[c], b = new float[c], rm = new float[c], rv = new float[c];
        for (int i = 0; i < c; i++) {
            w[i] = (i % 2 == 0 ? 1 : -1) * (1.5f + i % 4);
            b[i] = 0.5f * (i % 3) - 0.5f;
            rm[i] = 0.1f * i;
            rv[i] = 2f + i % 5;
        }
        java.util.Map<String, Tensor> state = java.util.Map.of("weight", Tensor.of(w, c), "bias", Tensor.of(b, c),
                "running_mean", Tensor.of(rm, c), "running_var", Tensor.of(rv, c));
        int passed = 0, blocked = 0;
        for (BatchNormOps.Activation act : new BatchNormOps.Activation[]{BatchNormOps.Activation.RELU, BatchNormOps.Activation.RELU6})
            for (boolean training : new boolean[]{true, false})
                for (int i = 0; i < inputs.length; i++) {
                    Tensor[][] res = new Tensor[2][];
                    for (int fused = 0; fused < 2; fused++) {
                        BatchNorm2d bn = new BatchNorm2d(c);
                        bn.loadStateDict(state, false);
                        if (training) bn.train();
                        else bn.eval();
                        Variable in = Variable.param(inputs[i]);
                        Variable y = fused == 1 ? bn.forward(in, act) : act.apply(bn.forward(in));
                        y.backward(grads[i]);
                        res[fused] = new Tensor[]{y.data(), in.grad(), bn.weight().grad(), bn.bias().grad(),
                                bn.namedBuffers().get("running_mean"), bn.namedBuffers().get("running_var")};
                    }
                    String what = act + (training ? " training" : " eval") + " layout " + i;
                    for (int k = 0; k < res[0].length; k++)
                        assertArrayEquals(res[0][k].toFloatArray(), res[1][k].toFloatArray(), what + " output " + k);
                    float[] out = res[1][0].toFloatArray(), gin = res[1][1].toFloatArray(), g = grads[i].toFloatArray();
                    for (int j = 0; j < out.length; j++) {
                        if (out[j] <= 0f || (act == BatchNormOps.Activation.RELU6 && out[j] >= 6f)) blocked++;
                        else passed++;
                    }
                    assertTrue(gin.length == g.length, what);
                }
        // both sides of the gate were exercised, and the top of ReLU6 too
        assertTrue(passed > 1000 && blocked > 1000, passed + " passed, " + blocked + " blocked");
    }

    @Test
    void sequentialRunsBatchNormAndActivationAsOneOp() {
        Rng r = new Rng(35);
        Sequential seq = new Sequential(new Conv2d(3, 4, 3, 1, 1, false, new Rng(36)), new BatchNorm2d(4), new ReLU6());
        seq.train();
        Tensor x = r.normal(0, 1, 2, 3, 5, 5).mul(3);
        Variable in = Variable.param(x);
        Variable y = seq.forward(in);
        assertEquals("batchNorm+relu6", y.gradFn().name());
        Variable in2 = Variable.param(x);
        Variable y2 = F.relu6(((BatchNorm2d) seq.get(1)).forward(((Conv2d) seq.get(0)).forward(in2)));
        assertArrayEquals(y2.data().toFloatArray(), y.data().toFloatArray());
        assertEquals(java.util.Set.of("0.weight", "1.weight", "1.bias"), seq.namedParameters().keySet());
    }

    @Test
    void layerNormRowKernelAgreesWithComposedOps() {
        // float32 channels-last and row-major takes the one-pass row kernel, a strided view the composed tensor
        // ops: same output and gradients (43 channels: whole vectors and a tail; an offset mean tests the centring)
        Rng r = new Rng(31);
        Tensor x = r.normal(0, 1, 3, 5, 6, 43).mul(3).add(20), gy = r.normal(0, 1, 3, 5, 6, 43);
        Tensor wide = r.normal(0, 1, 3, 5, 6, 86);
        wide.slice(3, 0, 86, 2).copyFrom(x);
        Tensor[] layouts = {x.contiguous(), wide.slice(3, 0, 86, 2)};
        Tensor[][] res = new Tensor[2][];
        for (int i = 0; i < 2; i++) {
            LayerNorm ln = randomize(LayerNorm.channelsLast(43, 1e-6), 34);
            Variable in = Variable.param(layouts[i]);
            Variable y = ln.forward(in);
            y.backward(gy);
            res[i] = new Tensor[]{y.data(), in.grad(), ln.weight().grad(), ln.bias().grad()};
        }
        for (int k = 0; k < 4; k++) {
            double err = res[1][k].sub(res[0][k]).abs().max().item(), scale = res[0][k].abs().max().item();
            assertTrue(scale > 0 && err <= 1e-5 * scale, "output " + k + ": " + err + " of " + scale);
        }
    }

    @Test
    void batchNormEvalMode() {
        BatchNorm2d bn = randomize(new BatchNorm2d(3), 20);
        bn.loadStateDict(java.util.Map.of("running_mean", Tensor.of(new float[]{0.1f, -0.2f, 0.3f}, 3),
                "running_var", Tensor.of(new float[]{0.5f, 1.5f, 2f}, 3)), false);
        bn.eval();
        checkLayer(bn, randn(21, 2, 3, 2, 2));
    }

    @Test
    void batchNormOnPackedRows() {
        // the same op serves a sparse map's packed [rows, C]
        BatchNorm2d bn = randomize(new BatchNorm2d(4), 22);
        checkLayer(bn, randn(23, 7, 4));
    }

    @Test
    void layerNormChannelsLastAndFirst() {
        checkLayer(randomize(LayerNorm.channelsLast(4, 1e-6), 24), randn(25, 2, 3, 4));
        checkLayer(randomize(LayerNorm.channelsFirst(3, 1e-6), 26), randn(27, 2, 3, 2, 2));
    }

    @Test
    void activations() {
        checkLayer(new ReLU(), distinct(28, 2, 3, 2, 2));
        Tensor x6 = distinct(29, 2, 3, 2, 2).mul(8); // spans below 0 and above 6, away from the kinks
        checkLayer(new ReLU6(), x6);
        checkLayer(new GELU(), randn(30, 2, 3, 2, 2));
    }

    @Test
    void pools() {
        checkLayer(new MaxPool2d(3, 2, 1), distinct(31, 1, 2, 5, 5));
        checkLayer(new AvgPool2d(2, 2, 0), randn(32, 1, 2, 4, 4));
        checkLayer(new AvgPool2d(3, 1, 1), randn(33, 1, 2, 3, 3));
        GlobalAvgPool g = new GlobalAvgPool();
        assertArrayEquals(new int[]{2, 3}, g.forward(Variable.of(randn(34, 2, 3, 2, 2))).shape());
        checkLayer(g, randn(35, 2, 3, 2, 2));
    }

    @Test
    void dropoutWithFixedMask() {
        // a fresh generator per call keeps the mask fixed across the finite-difference evaluations
        Variable probe = new Dropout(0.5, new Rng(36)).forward(Variable.of(Tensor.ones(1000)));
        double zeros = 0;
        for (double v : probe.data().toDoubleArray()) { if (v == 0) zeros++; else assertEquals(2, v, 0); }
        assertEquals(500, zeros, 60);
        checkModule(new Identity(), x -> new Dropout(0.3, new Rng(37)).forward(x), randn(38, 2, 5));
        Dropout d = new Dropout(0.3, new Rng(39));
        d.eval();
        Tensor x = randn(40, 2, 5);
        assertArrayEquals(x.toDoubleArray(), d.forward(Variable.of(x)).data().toDoubleArray());
    }

    @Test
    void dropPathWithFixedMask() {
        Tensor x = randn(41, 3, 2, 2, 2);
        double[] scales = {1 / 0.8, 0, 1 / 0.8};
        Variable y = DropPath.apply(Variable.of(x), scales);
        double[] xv = x.toDoubleArray(), yv = y.data().toDoubleArray();
        for (int i = 0; i < xv.length; i++) assertEquals(xv[i] * scales[i / 8], yv[i], 1e-12);
        checkModule(new Identity(), v -> DropPath.apply(v, scales), x);
    }

    @Test
    void dropPathDrawsPerSampleAndIsIdentityInEval() {
        DropPath dp = new DropPath(0.25, new Rng(42));
        int kept = 0;
        for (double s : dp.drawScales(4000)) {
            assertTrue(s == 0 || Math.abs(s - 1 / 0.75) < 1e-12);
            if (s > 0) kept++;
        }
        assertEquals(3000, kept, 120);
        dp.eval();
        Variable x = Variable.of(randn(43, 2, 3));
        assertTrue(dp.forward(x) == x);
    }

    @Test
    void sequentialChainsGradients() {
        Sequential s = new Sequential(new Conv2d(2, 3, 3, 1, 1, false, new Rng(44)), randomize(new BatchNorm2d(3), 45), new ReLU());
        checkLayer(s, randn(46, 2, 2, 3, 3));
    }

    @Test
    void residualAddThroughFeatureMaps() {
        Conv2d c = new Conv2d(2, 2, 3, 1, 1, true, new Rng(47));
        checkModule(c, x -> {
            var fm = dev.sparkj.sparse.FeatureMap.dense(x);
            return ((dev.sparkj.sparse.DenseMap) FeatureMaps.add(c.forward(fm), fm)).value();
        }, randn(48, 1, 2, 3, 3));
        checkModule(c, x -> F.mul(x, x), randn(49, 2, 2)); // parameters unused: zero gradients pass too
    }
}
