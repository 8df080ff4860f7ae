package dev.sparkj.spark.data;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class ResizeTest {
    /** The 5x7 source of the reference values: 0.2 + 0.6 * ((37 * (7y + x)) mod 23) / 22, as float32. */
    static FloatImage source() {
        float[] a = new float[35];
        for (int y = 0; y < 5; y++)
            for (int x = 0; x < 7; x++) a[y * 7 + x] = (float) (0.2 + 0.6 * (((y * 7 + x) * 37) % 23) / 22.0);
        return new FloatImage(a, 1, 5, 7);
    }

    // Reference values: torch 1.13 F.interpolate(mode="bicubic", align_corners=False) and PIL 9.4
    // Image.fromarray(a, "F").resize((w, h), Image.BICUBIC), printed with 7 decimals.
    static final float[] TORCH_8x11 = {0.1499548f, 0.3769576f, 0.5674977f, 0.3504641f, 0.4663051f, 0.7612232f, 0.6180571f, 0.3477800f, 0.2070204f, 0.4017510f, 0.6287539f, 0.2176410f, 0.4762870f, 0.6914127f, 0.4729705f, 0.3982887f, 0.5056928f, 0.5556347f, 0.4535039f, 0.2783234f, 0.5019748f, 0.7563396f, 0.3460492f, 0.5534373f, 0.7342784f, 0.6130909f, 0.3718596f, 0.2431247f, 0.5201694f, 0.6207325f, 0.4061713f, 0.5776805f, 0.7879939f, 0.4752103f, 0.4190371f, 0.4257609f, 0.6433395f, 0.5539681f, 0.3288679f, 0.6566958f, 0.7877274f, 0.5263430f, 0.4359933f, 0.4290854f, 0.6482194f, 0.4383808f, 0.2707084f, 0.4636021f, 0.5334528f, 0.4759099f, 0.6047635f, 0.7022409f, 0.6667597f, 0.4503146f, 0.2656977f, 0.7272525f, 0.5977350f, 0.3962186f, 0.2209105f, 0.3287678f, 0.5673961f, 0.4081970f, 0.4351937f, 0.7159171f, 0.6109667f, 0.4316597f, 0.4295186f, 0.5151619f, 0.5339448f, 0.2877115f, 0.3922885f, 0.6883356f, 0.5142640f, 0.3743564f, 0.4535071f, 0.5351951f, 0.5894877f, 0.1440614f, 0.4025212f, 0.6287621f, 0.4167818f, 0.5000283f, 0.7606457f, 0.6582117f, 0.3948034f, 0.2077990f, 0.4283427f, 0.6917245f};
    static final float[] PIL_8x11 = {0.1613788f, 0.3597116f, 0.5687675f, 0.3599990f, 0.4605261f, 0.7515431f, 0.5934883f, 0.3737890f, 0.2140787f, 0.4258302f, 0.6241630f, 0.2272967f, 0.4426298f, 0.6689709f, 0.4572983f, 0.4167944f, 0.5269022f, 0.5520819f, 0.4621903f, 0.2821305f, 0.5124378f, 0.7261040f, 0.3486430f, 0.5344673f, 0.7343935f, 0.5904583f, 0.3906393f, 0.2475442f, 0.5218989f, 0.6107635f, 0.4032462f, 0.5978845f, 0.7850506f, 0.4813887f, 0.4315358f, 0.4145019f, 0.6207747f, 0.5549901f, 0.3459883f, 0.6543394f, 0.7631857f, 0.5245634f, 0.4443243f, 0.4234563f, 0.6214626f, 0.4559910f, 0.2898544f, 0.4823506f, 0.5292830f, 0.4693182f, 0.6110986f, 0.6918551f, 0.6423468f, 0.4409606f, 0.2919052f, 0.7164611f, 0.6000412f, 0.4101908f, 0.2302417f, 0.3250816f, 0.5715909f, 0.4105053f, 0.4259391f, 0.7127938f, 0.5907356f, 0.4428008f, 0.4091182f, 0.4888837f, 0.5403957f, 0.3125695f, 0.4042310f, 0.6890907f, 0.5189595f, 0.3961313f, 0.4378157f, 0.5260728f, 0.5894340f, 0.1638912f, 0.3841380f, 0.6214545f, 0.4152971f, 0.4944602f, 0.7572291f, 0.6307457f, 0.4163705f, 0.2208159f, 0.4555294f, 0.6781584f};
    static final float[] TORCH_3x4 = {0.4110478f, 0.3784230f, 0.5396735f, 0.5200374f, 0.4136541f, 0.6614791f, 0.7752042f, 0.3813610f, 0.4672286f, 0.3126566f, 0.4572315f, 0.5266452f};
    static final float[] PIL_3x4 = {0.4365355f, 0.5026634f, 0.4794048f, 0.5048712f, 0.4929353f, 0.4602398f, 0.5801396f, 0.5116055f, 0.4628904f, 0.4521606f, 0.5084145f, 0.5036411f};
    static final float[] TORCH_2x3 = {0.6508738f, 0.3423294f, 0.4503332f, 0.5669428f, 0.6361505f, 0.6318496f};
    static final float[] PIL_2x3 = {0.4705114f, 0.5034202f, 0.5136920f, 0.4567759f, 0.5028779f, 0.5146190f};

    private static void check(float[] expected, FloatImage got, double tol) {
        assertEquals(expected.length, got.numel());
        for (int i = 0; i < expected.length; i++) assertEquals(expected[i], got.data()[i], tol, "value " + i);
    }

    @Test void matchesTorchBicubic() {
        check(TORCH_8x11, Resize.resize(source(), 8, 11, Resampling.BICUBIC_TORCH), 2e-6);
        check(TORCH_3x4, Resize.resize(source(), 3, 4, Resampling.BICUBIC_TORCH), 2e-6);
        check(TORCH_2x3, Resize.resize(source(), 2, 3, Resampling.BICUBIC_TORCH), 2e-6);
    }

    @Test void matchesPilBicubicWithAntialias() {
        check(PIL_8x11, Resize.resize(source(), 8, 11, Resampling.BICUBIC_PIL), 2e-6);
        check(PIL_3x4, Resize.resize(source(), 3, 4, Resampling.BICUBIC_PIL), 2e-6);
        check(PIL_2x3, Resize.resize(source(), 2, 3, Resampling.BICUBIC_PIL), 2e-6);
    }

    @Test void constantImageStaysConstant() {
        float[] d = new float[3 * 6 * 9];
        java.util.Arrays.fill(d, 0.37f);
        FloatImage c = new FloatImage(d, 3, 6, 9);
        for (Resampling m : Resampling.values())
            for (int[] size : new int[][]{{13, 4}, {2, 2}, {32, 32}, {6, 9}, {1, 17}}) {
                FloatImage r = Resize.resize(c, size[0], size[1], m);
                for (float v : r.data()) assertEquals(0.37f, v, 1e-6, m + " to " + size[0] + "x" + size[1]);
            }
    }

    /** Hand computation of the 2x upscale of the ramp 0, 1, 2, 3 (one row) with the a = -0.75 kernel. */
    @Test void twoTimesUpscaleOfRampFollowsKernel() {
        FloatImage ramp = new FloatImage(new float[]{0, 1, 2, 3}, 1, 1, 4);
        float[] got = Resize.resize(ramp, 1, 8, Resampling.BICUBIC_TORCH).data();
        // Output x samples source x/2 - 0.25: t = 0.75 (x even) or 0.25 (x odd) past floor.
        // W(d) = 1.25|d|^3 - 2.25|d|^2 + 1 for |d| < 1; -0.75|d|^3 + 3.75|d|^2 - 6|d| + 3 for 1 <= |d| < 2.
        double w175 = -0.75 * 5.359375 + 3.75 * 3.0625 - 6 * 1.75 + 3;   // W(1.75) = -0.03515625
        double w075 = 1.25 * 0.421875 - 2.25 * 0.5625 + 1;              // W(0.75) = 0.26171875
        double w025 = 1.25 * 0.015625 - 2.25 * 0.0625 + 1;              // W(0.25) = 0.87890625
        double w125 = -0.75 * 1.953125 + 3.75 * 1.5625 - 6 * 1.25 + 3;  // W(1.25) = -0.10546875
        assertEquals(-0.03515625, w175, 1e-12);
        assertEquals(0.26171875, w075, 1e-12);
        assertEquals(0.87890625, w025, 1e-12);
        assertEquals(-0.10546875, w125, 1e-12);
        // x = 0: src -0.25, floor -1, t = 0.75, taps -2..1 clamp to 0,0,0,1: weights W(1.75), W(0.75), W(0.25), W(1.25)
        assertEquals(w125 * 1, got[0], 1e-6);                           // = -0.10546875 (overshoot, not clamped)
        // x = 1: src 0.25, taps -1..2 -> 0,0,1,2 with W(1.25), W(0.25), W(0.75), W(1.75)
        assertEquals(w075 * 1 + w175 * 2, got[1], 1e-6);                // 0.19140625
        // x = 3: src 1.25, taps 0..3 unclamped, t = 0.25. With a = -0.75 the kernel does not reproduce a
        // linear ramp (only a = -0.5 does): W(1.25)*0 + W(0.25)*1 + W(0.75)*2 + W(1.75)*3 = 1.296875
        assertEquals(w025 + 2 * w075 + 3 * w175, got[3], 1e-6);
        assertEquals(1.296875, got[3], 1e-6);
        // x = 7: src 3.25, taps 2..5 -> 2,3,3,3, t = 0.25: W(1.25)*2 + (W(0.25)+W(0.75)+W(1.75))*3
        assertEquals(w125 * 2 + (w025 + w075 + w175) * 3, got[7], 1e-6); // 3.10546875
    }

    @Test void pilModeNormalisesBorderWeightsAndClamps() {
        double a = -0.5;
        double w025 = Resampling.cubic(0.25, a), w075 = Resampling.cubic(0.75, a), w125 = Resampling.cubic(1.25, a);
        assertEquals(0.8671875, w025, 1e-12);    // 1.5*0.25^3 - 2.5*0.25^2 + 1
        assertEquals(-0.0703125, w125, 1e-12);   // -0.5*(1.25^3 - 5*1.25^2 + 8*1.25 - 4)
        FloatImage r = Resize.resize(new FloatImage(new float[]{0.6f, 0.2f, 0.4f, 0.6f}, 1, 1, 4), 1, 8, Resampling.BICUBIC_PIL);
        // x = 0: centre 0.25; taps 0 and 1 (pixel centres 0.5, 1.5) at distances 0.25, 1.25, renormalised
        assertEquals((w025 * 0.6 + w125 * 0.2) / (w025 + w125), r.data()[0], 1e-6);   // 0.635294...
        // with a = -0.5 an interior output reproduces a linear ramp exactly
        FloatImage ramp = Resize.resize(new FloatImage(new float[]{0, 0.1f, 0.2f, 0.3f, 0.4f, 0.5f}, 1, 1, 6), 1, 12, Resampling.BICUBIC_PIL);
        assertEquals(0.225, ramp.data()[5], 1e-6);   // centre 2.75 in pixel units -> 0.1 * (2.75 - 0.5)
        assertEquals(w075, Resampling.cubic(-0.75, a), 0);
        // PIL output clamps: a step 0 -> 1 overshoots with a cubic kernel, and is clamped to [0, 1]
        FloatImage step = new FloatImage(new float[]{0, 0, 1, 1}, 1, 1, 4);
        for (float v : Resize.resize(step, 1, 8, Resampling.BICUBIC_PIL).data()) assertTrue(v >= 0 && v <= 1);
        float min = 0;
        for (float v : Resize.resize(step, 1, 8, Resampling.BICUBIC_TORCH).data()) min = Math.min(min, v);
        assertTrue(min < 0, "torch convention does not clamp");
    }

    @Test void regionResizeEqualsCropThenResize() {
        FloatImage src = source();
        FloatImage cropped = Resize.crop(src, 1, 2, 3, 4);
        assertEquals(src.get(0, 2, 3), cropped.get(0, 1, 1));
        for (Resampling m : Resampling.values()) {
            FloatImage a = Resize.resizeRegion(src, 1, 2, 3, 4, 6, 5, m), b = Resize.resize(cropped, 6, 5, m);
            assertArrayEquals(b.data(), a.data(), 0f);
        }
        assertThrows(IllegalArgumentException.class, () -> Resize.resizeRegion(src, 3, 0, 3, 4, 2, 2, Resampling.BICUBIC_PIL));
    }
}
