package dev.sparkj.sparse;

import dev.sparkj.tensor.DType;
import dev.sparkj.tensor.Rng;
import dev.sparkj.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class LayoutTest {

    /** Mask of 2 images on a 2x3 grid: image 0 keeps (0,0),(0,1),(1,2); image 1 keeps (1,0). */
    static ActiveMask small() {
        boolean[] v = {true, true, false, false, false, true, false, false, false, true, false, false};
        return new ActiveMask(2, 2, 3, v);
    }

    @Test
    void patchesAreNumberedInRasterOrder() {
        ActiveMask m = small();
        assertEquals(4, m.visibleCount());
        assertEquals(0, m.patchAt(0, 0, 0));
        assertEquals(1, m.patchAt(0, 0, 1));
        assertEquals(-1, m.patchAt(0, 0, 2));
        assertEquals(2, m.patchAt(0, 1, 2));
        assertEquals(3, m.patchAt(1, 1, 0));
        assertEquals(-1, m.patchAt(1, 2, 0)); // outside the grid
    }

    @Test
    void rowsAreTilesInPatchOrder() {
        SparseLayout l = small().layout(2);
        assertEquals(16, l.rows());
        assertEquals(4, l.height());
        assertEquals(6, l.width());
        // patch 1 = (0, 0, 1): positions y 0..1, x 2..3 -> rows 4..7
        assertEquals(4, l.row(0, 0, 2));
        assertEquals(5, l.row(0, 0, 3));
        assertEquals(6, l.row(0, 1, 2));
        assertEquals(7, l.row(0, 1, 3));
        assertEquals(-1, l.row(0, 0, 4)); // masked patch (0, 0, 2)
        assertEquals(-1, l.row(0, -1, 0));
        assertEquals(12 + 3, l.row(1, 3, 1)); // patch 3 = (1, 1, 0), in-tile (1, 1)
        for (int r = 0; r < l.rows(); r++) assertEquals(r, l.row(l.sampleOf(r), l.yOf(r), l.xOf(r)));
    }

    @Test
    void indexTensorsAreInverse() {
        SparseLayout l = small().layout(2);
        long[] pos = l.positionIndex().toLongArray();
        long[] inv = l.rowOfPosition().toLongArray();
        assertEquals(2 * 4 * 6, inv.length);
        int visible = 0;
        for (long r : inv) if (r >= 0) visible++;
        assertEquals(16, visible);
        for (int r = 0; r < pos.length; r++) assertEquals(r, inv[(int) pos[r]]);
    }

    @Test
    void denseMaskIsNearestUpsampling() {
        ActiveMask m = small();
        Tensor d = m.upsample(2);
        assertArrayEquals(new int[]{2, 1, 4, 6}, d.shape());
        for (int b = 0; b < 2; b++)
            for (int y = 0; y < 4; y++)
                for (int x = 0; x < 6; x++)
                    assertEquals(m.isVisible(b, y / 2, x / 2) ? 1.0 : 0.0, d.get(b, 0, y, x));
        assertSame(m.layout(2), m.layoutFor(4, 6));
    }

    @Test
    void maskFromTensorAndRandomMask() {
        ActiveMask m = small();
        ActiveMask back = ActiveMask.of(m.toTensor());
        for (int b = 0; b < 2; b++)
            for (int y = 0; y < 2; y++)
                for (int x = 0; x < 3; x++) assertEquals(m.isVisible(b, y, x), back.isVisible(b, y, x));
        ActiveMask r = ActiveMask.random(3, 7, 7, 0.6, new Rng(1));
        assertEquals(3 * 20, r.visibleCount()); // round(49 * 0.4) = 20 per image
        assertEquals(DType.BOOL, r.toTensor().dtype());
    }

    @Test
    void tapTableMarksBorderAndMaskedNeighbours() {
        ActiveMask m = small();
        TapTable t = m.table(new TapTable.Geometry(2, 3, 3, 1, 1, 1, 1, 1));
        SparseLayout l = m.layout(2);
        int o = l.row(0, 0, 0); // top-left corner of the image
        assertEquals(TapTable.OUTSIDE, t.rowOf(o, 0));
        assertEquals(TapTable.OUTSIDE, t.rowOf(o, 3));
        assertEquals(l.row(0, 0, 0), t.rowOf(o, 4));
        assertEquals(l.row(0, 1, 1), t.rowOf(o, 8));
        int o2 = l.row(0, 1, 3); // bottom-right of patch 1: (1, 4) is in masked patch (0, 2), (2, 2) in masked (1, 1)
        assertEquals(TapTable.MASKED, t.rowOf(o2, 5));
        assertEquals(TapTable.MASKED, t.rowOf(o2, 6));
        assertEquals(8, t.rowOf(o2, 8)); // (2, 4): first row of patch 2 = (1, 2)
        // stride 2 from tile 2 to tile 1: output (0, 0, 1) reads input rows around (0, 0..2, 1..3)
        TapTable s = m.table(new TapTable.Geometry(2, 3, 3, 2, 1, 1, 1, 1));
        assertEquals(4, s.output().rows());
        assertEquals(l.row(0, 0, 2), s.rowOf(s.output().row(0, 0, 1), 4));
        assertEquals(TapTable.OUTSIDE, s.rowOf(s.output().row(0, 0, 1), 1));
        assertSame(s, m.table(new TapTable.Geometry(2, 3, 3, 2, 1, 1, 1, 1)));
    }
}
