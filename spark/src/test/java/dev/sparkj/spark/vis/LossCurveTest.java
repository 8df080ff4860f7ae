package dev.sparkj.spark.vis;

import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class LossCurveTest {
    @Test void niceTicks() {
        assertEquals(0.2, LossCurve.step(0, 1), 1e-12);
        assertEquals(List.of(0.2, 0.4, 0.6000000000000001, 0.8), LossCurve.ticks(0.13, 0.97));
        assertEquals(2000, LossCurve.step(0, 10_000), 1e-9);
        assertEquals(0.05, LossCurve.step(0.3, 0.55), 1e-12);
        assertEquals("0.4", LossCurve.label(0.4000000001, 0.2));
        assertEquals("0.05", LossCurve.label(0.05, 0.05));
        assertEquals("2000", LossCurve.label(2000, 2000));
        assertEquals("0.0", LossCurve.label(-1e-17, 0.1));
    }

    @Test void rendersCurveInsidePlotArea() {
        List<LossCurve.Point> pts = new ArrayList<>();
        for (int i = 0; i <= 10; i++) pts.add(new LossCurve.Point(i * 100, 1.0 - 0.05 * i));
        pts.add(new LossCurve.Point(1100, Double.NaN));   // left out
        BufferedImage img = LossCurve.render(pts, "test", 400, 300);
        assertEquals(400, img.getWidth());
        assertEquals(300, img.getHeight());
        assertEquals(0xFFFFFF, img.getRGB(2, 2) & 0xFFFFFF);
        // the line passes through the middle point (500, 0.75), which maps to the plot centre
        int pw = 400 - LossCurve.LEFT - LossCurve.RIGHT, ph = 300 - LossCurve.TOP - LossCurve.BOTTOM;
        int cx = LossCurve.LEFT + pw / 2, cy = LossCurve.TOP + ph / 2;
        boolean near = false;
        for (int dy = -2; dy <= 2; dy++) for (int dx = -2; dx <= 2; dx++)
            if (isBlue(img.getRGB(cx + dx, cy + dy))) near = true;
        assertTrue(near, "line colour near the centre");
        assertFalse(isBlue(img.getRGB(LossCurve.LEFT + 5, LossCurve.TOP + ph - 5)), "bottom-left of the plot is empty");
    }

    @Test void smoothsLongCurves() {
        List<LossCurve.Point> pts = new ArrayList<>();
        for (int i = 0; i < 10; i++) pts.add(new LossCurve.Point(i, i % 2));
        List<LossCurve.Point> e = LossCurve.ema(pts, 0.5);
        assertEquals(0, e.get(0).loss(), 1e-12);
        assertEquals(2.0 / 3, e.get(1).loss(), 1e-12);     // (0.5*1 + 0.25*0) / (0.5 + 0.25)
        assertNotNull(LossCurve.render(List.of(), "empty", 200, 150));
    }

    private static boolean isBlue(int rgb) {
        int r = (rgb >> 16) & 0xff, g = (rgb >> 8) & 0xff, b = rgb & 0xff;
        return b > 150 && r < 120 && b - r > 60;
    }
}
