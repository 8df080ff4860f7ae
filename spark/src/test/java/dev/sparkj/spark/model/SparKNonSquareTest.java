package dev.sparkj.spark.model;

import dev.sparkj.autograd.Variable;
import dev.sparkj.nn.models.Models;
import dev.sparkj.sparse.SparseMap;
import dev.sparkj.tensor.Rng;
import dev.sparkj.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SparK on a non-square input (H ≠ W, both multiples of the patch size): sparse equals masked-dense, patchify inverts. */
class SparKNonSquareTest {
    private static final Map<String, Object> ARCH = Map.of("family", "resnet", "block", "basicblock",
            "layers", List.of(1, 1, 1, 1), "channels", List.of(8, 8, 8, 16, 16));

    private static SparK model(SparseMap.Mode mode) {
        return new SparK(Models.fromArch(ARCH, 0, 0, new Rng(1)), 64, 96, 0.5, 32, "bn", new Rng(2)).setMode(mode);
    }

    @Test
    void packedSparseEqualsMaskedDenseOnA64x96Input() {
        Tensor x = new Rng(3).normal(0, 1, 2, 3, 64, 96);
        SparK packed = model(SparseMap.Mode.PACKED), dense = model(SparseMap.Mode.MASKED_DENSE);
        assertEquals(2, packed.gridH());
        assertEquals(3, packed.gridW());
        Tensor active = packed.sampleMask(2, new Rng(4));
        assertArrayEquals(new int[]{2, 1, 2, 3}, active.shape());
        assertEquals(3.0, active.sum().item() / 2, 0.0, "round(6 * 0.5) = 3 visible patches per image");
        packed.train();
        dense.train();
        Variable lp = packed.forward(x, active).loss(), ld = dense.forward(x, active).loss();
        assertTrue(lp.data().item() > 0.5 && lp.data().item() < 2, "a fresh model's loss is near 1, got " + lp.data().item());
        assertEquals(ld.data().item(), lp.data().item(), 1e-5 * Math.abs(ld.data().item()));
        lp.backward();
        ld.backward();
        Map<String, Variable> pp = packed.namedParameters(), pd = dense.namedParameters();
        for (String k : pp.keySet()) {
            float[] a = pp.get(k).grad().toFloatArray(), b = pd.get(k).grad().toFloatArray();
            double scale = 1e-12;
            for (float v : b) scale = Math.max(scale, Math.abs(v));
            for (int i = 0; i < a.length; i++)
                assertEquals(b[i], a[i], 1e-4 * scale, k + "[" + i + "]");
        }
    }

    @Test
    void patchifyRoundTripsAndOrdersRowColumnChannel() {
        SparK m = model(SparseMap.Mode.PACKED);
        Tensor x = new Rng(5).normal(0, 1, 1, 3, 64, 96);
        Tensor p = m.patchify(x);
        assertArrayEquals(new int[]{1, 6, 32 * 32 * 3}, p.shape());
        // patch 4 = row 1, column 1 of the 2x3 grid; element (r=2, c=5, ch=1) sits at (2*32 + 5)*3 + 1
        assertEquals(x.get(0, 1, 32 + 2, 32 + 5), p.get(0, 4, (2 * 32 + 5) * 3 + 1), 0.0);
        assertArrayEquals(x.toFloatArray(), m.unpatchify(p).toFloatArray());
    }

    @Test
    void inputsThatAreNotMultiplesOfThePatchAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new SparK(Models.fromArch(ARCH, 0, 0, new Rng(1)), 64, 80, 0.5, 32, "bn", new Rng(2)));
        assertTrue(e.getMessage().contains("64x80"), e.getMessage());
    }
}
