package dev.sparkj.tests;

import dev.sparkj.autograd.F;
import dev.sparkj.autograd.Variable;
import dev.sparkj.nn.Module;
import dev.sparkj.nn.models.ConvNeXt;
import dev.sparkj.nn.models.ConvNeXtConfig;
import dev.sparkj.nn.models.HierarchicalEncoder;
import dev.sparkj.nn.models.ResNet;
import dev.sparkj.nn.models.ResNetConfig;
import dev.sparkj.sparse.ActiveMask;
import dev.sparkj.sparse.DenseMap;
import dev.sparkj.sparse.FeatureMap;
import dev.sparkj.sparse.SparseMap;
import dev.sparkj.tensor.Rng;
import dev.sparkj.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Whole encoders (slim ResNets with BasicBlocks and Bottlenecks, a small ConvNeXt) run as one module
 * tree in three ways: true sparse (packed rows), the reference's masked-dense emulation, and plain
 * dense. Sparse features and parameter gradients must equal the emulation's; with every patch visible
 * they must equal the plain dense network's.
 */
class SparseEncoderTest {

    static ResNet basicResNet(long seed, double dropPath) {
        return new ResNet(new ResNetConfig(false, new int[]{1, 1, 1, 1}, new int[]{8, 4, 8, 8, 8}, 0, dropPath), new Rng(seed));
    }

    static ResNet bottleneckResNet(long seed, double dropPath) {
        return new ResNet(new ResNetConfig(true, new int[]{2, 1, 1, 1}, new int[]{8, 4, 4, 4, 4}, 0, dropPath), new Rng(seed));
    }

    static ConvNeXt convNeXt(long seed, double dropPath) {
        return new ConvNeXt(new ConvNeXtConfig(new int[]{8, 8, 16, 16}, new int[]{1, 2, 1, 1}, 0, dropPath, 0.5), new Rng(seed));
    }

    /** Every parameter moved off its initial value (zero-init BN weights would hide whole branches from the gradients). */
    static <M extends Module> M perturbed(M m, long seed) {
        Rng rng = new Rng(seed);
        for (Variable p : m.parameters()) p.setData(p.data().add(rng.normal(0, 0.2, p.shape())));
        return m;
    }

    /** Patterns on a 2x2 grid (64 px): image 0 keeps two adjacent patches, image 1 one isolated corner; a random 3x3 mask (96 px). */
    static List<ActiveMask> masks() {
        return List.of(
                new ActiveMask(2, 2, 2, new boolean[]{true, true, false, false, false, false, true, false}),
                ActiveMask.random(2, 3, 3, 0.6, new Rng(4)));
    }

    record Run(List<Tensor> features, Map<String, Tensor> grads, Map<String, Tensor> buffers) {}

    /** Features (as masked dense maps), gradients of a fixed random projection of them, and the buffers after the step. */
    static Run run(Module model, Tensor image, ActiveMask mask, SparseMap.Mode mode) {
        model.train();
        model.zeroGrad();
        FeatureMap in = mask == null ? new DenseMap(Variable.of(image)) : SparseMap.of(Variable.of(image), mask, mode);
        List<FeatureMap> fs = ((HierarchicalEncoder) model).forwardFeatures(in);
        Rng rng = new Rng(77);
        Variable loss = null;
        List<Tensor> feats = new ArrayList<>();
        for (FeatureMap f : fs) {
            Variable v = f instanceof SparseMap s ? s.toMaskedDense() : ((DenseMap) f).value();
            if (mask != null && f instanceof SparseMap s) assertEquals(mode, s.mode());
            feats.add(v.data());
            Variable term = F.sum(F.mul(v, Variable.of(rng.normal(0, 1, v.shape()))));
            loss = loss == null ? term : F.add(loss, term);
        }
        loss.backward();
        Map<String, Tensor> g = new java.util.LinkedHashMap<>();
        model.namedParameters().forEach((k, p) -> g.put(k, p.grad()));
        return new Run(feats, g, model.namedBuffers());
    }

    static void assertClose(Tensor e, Tensor a, double tol, String what) {
        assertNotNull(a, what + " missing");
        assertArrayEquals(e.shape(), a.shape(), what);
        float[] x = e.toFloatArray(), y = a.toFloatArray();
        double scale = 0;
        for (float v : x) scale = Math.max(scale, Math.abs(v));
        for (int i = 0; i < x.length; i++)
            if (Math.abs(x[i] - y[i]) > tol * (1 + scale))
                fail(what + ": element " + i + " expected " + x[i] + " got " + y[i] + " (max |expected| " + scale + ")");
    }

    static void assertSameRun(Run expected, Run actual, double tol) {
        for (int i = 0; i < expected.features.size(); i++) assertClose(expected.features.get(i), actual.features.get(i), tol, "feature " + i);
        double total = 0;
        for (var e : expected.grads.entrySet()) {
            assertClose(e.getValue(), actual.grads.get(e.getKey()), tol, "gradient of " + e.getKey());
            for (float v : e.getValue().toFloatArray()) total += Math.abs(v);
        }
        assertTrue(total > 0, "non-trivial gradients");
        for (var e : expected.buffers.entrySet())
            if (e.getValue().dtype().isFloating()) assertClose(e.getValue(), actual.buffers.get(e.getKey()), tol, "buffer " + e.getKey());
            else assertEquals(e.getValue().item(), actual.buffers.get(e.getKey()).item(), "buffer " + e.getKey());
    }

    void sparseEqualsMaskedDense(java.util.function.LongFunction<Module> make) {
        for (ActiveMask mask : masks()) {
            int size = 32 * mask.h();
            Tensor image = new Rng(size).normal(0, 1, 2, 3, size, size);
            Run packed = run(perturbed(make.apply(1), 2), image, mask, SparseMap.Mode.PACKED);
            Run emulated = run(perturbed(make.apply(1), 2), image, mask, SparseMap.Mode.MASKED_DENSE);
            assertSameRun(emulated, packed, 2e-4);
        }
    }

    void allVisibleEqualsDense(java.util.function.LongFunction<Module> make) {
        ActiveMask all = ActiveMask.allVisible(2, 2, 2);
        Tensor image = new Rng(3).normal(0, 1, 2, 3, 64, 64);
        Run dense = run(perturbed(make.apply(1), 2), image, null, null);
        Run packed = run(perturbed(make.apply(1), 2), image, all, SparseMap.Mode.PACKED);
        assertSameRun(dense, packed, 2e-4);
    }

    @Test void basicBlockResNetSparseEqualsMaskedDense() { sparseEqualsMaskedDense(s -> basicResNet(s, 0)); }

    @Test void bottleneckResNetWithDropPathSparseEqualsMaskedDense() { sparseEqualsMaskedDense(s -> bottleneckResNet(s, 0.3)); }

    @Test void convNeXtWithDropPathSparseEqualsMaskedDense() { sparseEqualsMaskedDense(s -> convNeXt(s, 0.3)); }

    @Test void basicBlockResNetAllVisibleEqualsDense() { allVisibleEqualsDense(s -> basicResNet(s, 0)); }

    @Test void bottleneckResNetAllVisibleEqualsDense() { allVisibleEqualsDense(s -> bottleneckResNet(s, 0.3)); }

    @Test void convNeXtAllVisibleEqualsDense() { allVisibleEqualsDense(s -> convNeXt(s, 0.3)); }

    @Test
    void unsupportedLayerInSparseModeFailsNamingIt() {
        var seq = new dev.sparkj.nn.Sequential(new dev.sparkj.nn.Conv2d(3, 4, 3, 1, 1, false, new Rng(1)),
                new dev.sparkj.nn.Dropout(0.5, new Rng(2)));
        Supplier<SparseMap> x = () -> SparseMap.of(Variable.of(Tensor.ones(2, 3, 64, 64)), masks().get(0), SparseMap.Mode.PACKED);
        var e = assertThrows(UnsupportedOperationException.class, () -> seq.forward((FeatureMap) x.get()));
        assertTrue(e.getMessage().contains("Dropout") && e.getMessage().contains("1"), e.getMessage());
    }
}
