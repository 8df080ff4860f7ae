package dev.sparkj.sparse;

import dev.sparkj.autograd.F;
import dev.sparkj.autograd.Variable;
import dev.sparkj.tensor.Rng;
import dev.sparkj.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static dev.sparkj.sparse.SparseTesting.*;
import static org.junit.jupiter.api.Assertions.*;

/** Densify / gather, residual add, per-sample scaling, activations and channel maps on sparse maps. */
class SparseMapTest {

    @Test
    void packThenScatterKeepsVisibleValuesAndZeroesMasked() {
        ActiveMask mask = patterned();
        Tensor x = normal(new Rng(1), 2, 3, 6, 6);
        SparseMap s = SparseMap.of(Variable.of(x), mask, SparseMap.Mode.PACKED);
        assertArrayEquals(new int[]{6 * 4, 3}, s.rows().shape());
        assertArrayEquals(new int[]{2, 3, 6, 6}, s.shape());
        Tensor expected = x.mul(mask.upsample(2));
        assertClose(expected, s.toMaskedDense().data(), 0, "round trip");
        // row order: patch (0,0,1) = patch 1 -> rows 4..7 are positions y 0..1, x 2..3
        assertEquals(x.get(0, 2, 1, 3), s.rows().data().get(7, 2));
    }

    @Test
    void gatherReadsEitherLayoutAndItsGradientLandsAtTheVisiblePositions() {
        ActiveMask mask = patterned();
        Rng rng = new Rng(3);
        Tensor x = normal(rng, 2, 5, 6, 6);
        Tensor channelsLast = x.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);
        for (Tensor in : new Tensor[]{x, channelsLast}) {
            Variable v = Variable.param(in);
            SparseMap s = SparseMap.of(v, mask, SparseMap.Mode.PACKED);
            Tensor r = normal(rng, s.rows().shape());
            F.sum(F.mul(s.rows(), Variable.of(r))).backward();
            SparseLayout l = s.layout();
            int visible = 0;
            for (int b = 0; b < 2; b++)
                for (int y = 0; y < 6; y++)
                    for (int xx = 0; xx < 6; xx++) {
                        int row = l.row(b, y, xx);
                        if (row >= 0) visible++;
                        for (int c = 0; c < 5; c++) {
                            if (row >= 0) assertEquals(x.get(b, c, y, xx), s.rows().data().get(row, c), 0, "row value");
                            assertEquals(row >= 0 ? r.get(row, c) : 0, v.grad().get(b, c, y, xx), 0, "gradient at " + b + "," + c + "," + y + "," + xx);
                        }
                    }
            assertEquals(s.rows().shape(0), visible);
        }
    }

    @Test
    void densifyTokenGradientOverManyChunksIsTheMaskedSum() {
        ActiveMask mask = random(3, 8, 8, 25, 7);
        Rng rng = new Rng(4);
        Tensor x = normal(rng, 3, 4, 32, 32);                // 3072 positions: six chunks of the token's sum
        Variable token = Variable.param(rng.normal(0, 0.02, 1, 4, 1, 1));
        Variable d = SparseMap.of(Variable.of(x), mask, SparseMap.Mode.PACKED).densify(token);
        Tensor r = normal(rng, 3, 4, 32, 32);
        F.sum(F.mul(d, Variable.of(r))).backward();
        Tensor m = mask.upsample(4);
        for (int c = 0; c < 4; c++) {
            double expect = 0;
            for (int b = 0; b < 3; b++)
                for (int y = 0; y < 32; y++)
                    for (int xx = 0; xx < 32; xx++) {
                        boolean visible = m.get(b, 0, y, xx) != 0;
                        if (!visible) expect += r.get(b, c, y, xx);
                        assertEquals(visible ? x.get(b, c, y, xx) : token.data().get(0, c, 0, 0), d.data().get(b, c, y, xx), 0, "value");
                    }
            assertEquals(expect, token.grad().get(0, c, 0, 0), 1e-4 * Math.sqrt(3072), "token gradient, channel " + c);
        }
    }

    @Test
    void densifyFillsTheMaskTokenAndSumsItsGradient() {
        ActiveMask mask = patterned();
        Rng rng = new Rng(2);
        Tensor x = normal(rng, 2, 3, 6, 6);
        Variable token = Variable.param(rng.normal(0, 0.02, 1, 3, 1, 1));
        Tensor r = normal(rng, 2, 3, 6, 6);
        Tensor m = mask.upsample(2);
        // packed
        Variable xp = Variable.param(x);
        Variable dp = SparseMap.of(xp, mask, SparseMap.Mode.PACKED).densify(token);
        F.sum(F.mul(dp, Variable.of(r))).backward();
        Tensor gTokenP = token.grad();
        token.zeroGrad();
        // independent: where(active, x, token)
        Variable xd = Variable.param(x);
        Variable dd = F.add(F.mul(xd, Variable.of(m)), F.mul(Variable.of(m.neg().add(1)), token));
        F.sum(F.mul(dd, Variable.of(r))).backward();
        assertClose(dd.data(), dp.data(), 1e-6, "densified values");
        assertClose(xd.grad(), xp.grad(), 1e-6, "gradient to rows");
        assertClose(token.grad(), gTokenP, 1e-5, "gradient to token");
        // token gradient = sum of r over masked positions
        double expect = 0;
        for (int b = 0; b < 2; b++)
            for (int y = 0; y < 6; y++)
                for (int xx = 0; xx < 6; xx++) if (m.get(b, 0, y, xx) == 0) expect += r.get(b, 1, y, xx);
        assertEquals(expect, gTokenP.get(0, 1, 0, 0), 1e-4);
        // masked dense storage gives the same
        token.zeroGrad();
        Variable dm = SparseMap.of(Variable.param(x), mask, SparseMap.Mode.MASKED_DENSE).densify(token);
        F.sum(F.mul(dm, Variable.of(r))).backward();
        assertClose(dd.data(), dm.data(), 1e-6, "masked-dense densify");
        assertClose(gTokenP, token.grad(), 1e-5, "masked-dense token gradient");
    }

    @Test
    void residualAddAndDropPathScalePerSample() {
        ActiveMask mask = patterned();
        Rng rng = new Rng(3);
        Tensor a = normal(rng, 2, 3, 6, 6), b = normal(rng, 2, 3, 6, 6);
        Tensor scale = Tensor.of(new float[]{0f, 1.25f}, 2);
        for (SparseMap.Mode mode : SparseMap.Mode.values()) {
            SparseMap sa = SparseMap.of(Variable.of(a), mask, mode), sb = SparseMap.of(Variable.of(b), mask, mode);
            SparseMap sum = SparseOps.add(sa, SparseOps.scaleSamples(sb, scale));
            Tensor expected = a.add(b.mul(scale.reshape(2, 1, 1, 1))).mul(mask.upsample(2));
            assertClose(expected, sum.toMaskedDense().data(), 1e-6, "add + drop path, " + mode);
        }
        SparseMap p = SparseMap.of(Variable.of(a), mask, SparseMap.Mode.PACKED);
        SparseMap other = SparseMap.of(Variable.of(Tensor.zeros(2, 3, 12, 12)), mask, SparseMap.Mode.PACKED);
        assertThrows(IllegalArgumentException.class, () -> SparseOps.add(p, other));
    }

    @Test
    void activationsKeepZerosAndOthersAreRefused() {
        ActiveMask mask = patterned();
        Tensor x = normal(new Rng(4), 2, 3, 6, 6);
        for (SparseMap.Mode mode : SparseMap.Mode.values()) {
            SparseMap s = SparseMap.of(Variable.of(x), mask, mode);
            assertClose(x.gelu().mul(mask.upsample(2)), SparseOps.activation(s, F::gelu, "act").toMaskedDense().data(), 1e-6, "gelu " + mode);
            var e = assertThrows(UnsupportedOperationException.class, () -> SparseOps.activation(s, F::sigmoid, "head.act"));
            assertTrue(e.getMessage().contains("head.act"));
        }
    }

    @Test
    void mapChannelsRunsOnRowsAndRemasksTheEmulation() {
        ActiveMask mask = patterned();
        Rng rng = new Rng(5);
        Tensor x = normal(rng, 2, 3, 6, 6);
        Variable w = Variable.param(rng.normal(0, 1, 4, 3)), bias = Variable.param(rng.normal(0, 1, 4));
        Variable w2 = Variable.param(rng.normal(0, 1, 3, 4));
        // Linear with bias -> GELU -> Linear: non-zero at masked positions inside the block, masked at the end
        java.util.function.UnaryOperator<Variable> f = v -> F.linear(F.gelu(F.linear(v, w, bias)), w2, null);
        Tensor m = mask.upsample(2);
        compare(mask, x, new Variable[]{w, bias, w2}, s -> SparseOps.mapChannels(s, f),
                xm -> F.mul(F.permute(f.apply(F.permute(xm, 0, 2, 3, 1)), 0, 3, 1, 2), Variable.of(m)), 1e-4);
        compare(mask, x, new Variable[]{w, bias, w2}, s -> SparseOps.mapChannels(s, f), null, 1e-4);
    }
}
