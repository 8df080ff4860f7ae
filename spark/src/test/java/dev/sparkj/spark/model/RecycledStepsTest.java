package dev.sparkj.spark.model;

import dev.sparkj.autograd.Variable;
import dev.sparkj.nn.models.Models;
import dev.sparkj.nn.optim.Lamb;
import dev.sparkj.nn.optim.ParamGroups;
import dev.sparkj.nn.optim.ParamRef;
import dev.sparkj.sparse.SparseMap;
import dev.sparkj.tensor.Recycler;
import dev.sparkj.tensor.Rng;
import dev.sparkj.tensor.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SparK pre-training steps inside {@link Recycler} scopes, as the trainer runs them, give bit for bit the losses
 * and weights of steps without: arrays are recycled from 1,024 floats (so these small models use the recycler for
 * most of their tensors), and every reused array an op declared it would fully overwrite is filled with NaN first,
 * so an op that leaves an element unwritten shows up as a NaN in the loss or the weights.
 */
class RecycledStepsTest {
    private static final Map<String, Object> RESNET = Map.of("family", "resnet", "block", "bottleneck",
            "layers", List.of(1, 1, 1, 1), "channels", List.of(8, 8, 8, 16, 16));
    private static final Map<String, Object> BASIC = Map.of("family", "resnet", "block", "basicblock",
            "layers", List.of(1, 1, 1, 1), "channels", List.of(8, 8, 8, 16, 16));
    private static final Map<String, Object> CONVNEXT = Map.of("family", "convnext",
            "dims", List.of(8, 8, 16, 16), "depths", List.of(1, 1, 1, 1));

    @BeforeEach
    @AfterEach
    void reset() { Recycler.reset(); } // no idle arrays or step history from other tests

    /** Losses of four steps, then the weights. */
    private static float[][] train(Map<String, Object> arch, String norm, SparseMap.Mode mode, boolean recycle) {
        Rng rng = new Rng(11);
        SparK m = new SparK(Models.fromArch(arch, 0, 0, rng), 64, 64, 0.6, 32, norm, rng).setMode(mode);
        m.train();
        Lamb opt = new Lamb(ParamGroups.pretrain(ParamRef.of(m.namedParameters()), 1e-3), Lamb.Options.sparkPretrain(0.95));
        Tensor x = rng.normal(0, 1, 4, 3, 64, 64);
        float[] losses = new float[4];
        for (int i = 0; i < losses.length; i++) {
            Tensor active = m.sampleMask(4, rng);
            m.zeroGrad();
            if (recycle) {
                try (Recycler.Scope s = Recycler.open()) {
                    Variable loss = m.forward(x, active).loss();
                    losses[i] = (float) loss.data().item();
                    loss.backward();
                }
            } else {
                Variable loss = m.forward(x, active).loss();
                losses[i] = (float) loss.data().item();
                loss.backward();
            }
            opt.step();
        }
        float[][] out = new float[1 + m.namedParameters().size()][];
        out[0] = losses;
        int k = 1;
        for (Variable p : m.namedParameters().values()) out[k++] = p.data().toFloatArray();
        return out;
    }

    private static void sameWithAndWithout(Map<String, Object> arch, String norm, SparseMap.Mode mode) {
        float[][] plain = train(arch, norm, mode, false);
        Recycler.testing(1024, true);
        Recycler.statistics();
        float[][] recycled = train(arch, norm, mode, true);
        double[] st = Recycler.statistics();
        assertTrue(st[0] > 0 && st[2] > 0, "forward and backward reused arrays: " + java.util.Arrays.toString(st));
        // the decoder's BatchNorm outputs were given back after the forward pass read them, and recomputed in backward
        assertTrue(st[4] > 0 && st[5] > 0, "evicted and recomputed arrays: " + java.util.Arrays.toString(st));
        for (float l : plain[0]) assertTrue(Float.isFinite(l) && l > 0, "loss " + l);
        assertArrayEquals(plain[0], recycled[0], "losses of four steps");
        assertEquals(plain.length, recycled.length);
        for (int k = 1; k < plain.length; k++) assertArrayEquals(plain[k], recycled[k], "parameter " + k + " after four steps");
    }

    @Test
    void resNetStepsAreUnchanged() { sameWithAndWithout(RESNET, "bn", SparseMap.Mode.PACKED); }

    @Test
    void resNetMaskedDenseStepsAreUnchanged() { sameWithAndWithout(RESNET, "bn", SparseMap.Mode.MASKED_DENSE); }

    @Test
    void basicBlockResNetStepsAreUnchanged() { sameWithAndWithout(BASIC, "bn", SparseMap.Mode.PACKED); }

    @Test
    void convNeXtStepsAreUnchanged() { sameWithAndWithout(CONVNEXT, "ln", SparseMap.Mode.PACKED); }

    @Test
    void convNeXtMaskedDenseStepsAreUnchanged() { sameWithAndWithout(CONVNEXT, "ln", SparseMap.Mode.MASKED_DENSE); }
}
