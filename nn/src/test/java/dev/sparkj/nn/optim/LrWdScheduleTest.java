package dev.sparkj.nn.optim;

import dev.sparkj.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.sparkj.nn.optim.OptimTestSupport.named;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Schedule values at chosen iterations, worked out by hand from the reference's lr_wd_annealing. */
class LrWdScheduleTest {
    // peak = 2e-4 * 4096 / 256 = 0.0032 (SparK's default base lr and batch)
    static final double PEAK = 0.0032;
    static final double TOL = 1e-15;

    @Test
    void peakLrScalesWithTheBatch() {
        assertEquals(0.0032, LrWdSchedule.peakLr(2e-4, 4096), 1e-18);
        assertEquals(2e-4 * 2048 / 256, LrWdSchedule.peakLr(2e-4, 2048), 0); // 0.0016
    }

    @Test
    void warmUpIsLinearFromHalfAPercentOfPeak() {
        // 100 warm-up iterations of 1101: lr = 0.005 p + 0.995 p * it / 100
        assertEquals(0.005 * PEAK, LrWdSchedule.lr(PEAK, 0, 100, 1101), TOL);                 // 1.6e-5
        assertEquals(0.5025 * PEAK, LrWdSchedule.lr(PEAK, 50, 100, 1101), TOL);               // 0.005 + 0.4975 -> 0.001608
        assertEquals(0.99005 * PEAK, LrWdSchedule.lr(PEAK, 99, 100, 1101), TOL);              // 0.005 + 0.98505 -> 0.00316816
    }

    @Test
    void cosineFromPeakToAThousandthOfIt() {
        // after warm-up r = (it - 100) / (1101 - 1 - 100) = (it - 100) / 1000; lr = 0.001 p + 0.999 p (0.5 + 0.5 cos(pi r))
        assertEquals(PEAK, LrWdSchedule.lr(PEAK, 100, 100, 1101), TOL);                       // r = 0: 0.001 + 0.999 = 1
        // r = 0.25: 0.5 + 0.5 cos(pi/4) = 0.8535533906 -> 0.001 + 0.999 * 0.8535533906 = 0.8536998372 -> 0.0027318395
        assertEquals(0.0027318394790, LrWdSchedule.lr(PEAK, 350, 100, 1101), 1e-13);
        assertEquals(0.5005 * PEAK, LrWdSchedule.lr(PEAK, 600, 100, 1101), TOL);              // r = 0.5: 0.001 + 0.4995 -> 0.0016016
        assertEquals(0.001 * PEAK, LrWdSchedule.lr(PEAK, 1100, 100, 1101), TOL);              // r = 1 (last iteration): 3.2e-6
    }

    @Test
    void warmUpLengthIsRoundedHalfToEven() {
        assertEquals(2, LrWdSchedule.pythonRound(2.5));
        assertEquals(4, LrWdSchedule.pythonRound(3.5));
        assertEquals(0, LrWdSchedule.pythonRound(0.5));
        assertEquals(2, LrWdSchedule.pythonRound(1.5));
        // wp 2.5 -> 2: iteration 2 is already past warm-up -> r = 0 -> peak
        assertEquals(PEAK, LrWdSchedule.lr(PEAK, 2, 2.5, 100), TOL);
        // wp 3.5 -> 4: iteration 2 is mid warm-up -> 0.005 + 0.995 * 2 / 4 = 0.5025
        assertEquals(0.5025 * PEAK, LrWdSchedule.lr(PEAK, 2, 3.5, 100), TOL);
        assertThrows(ArithmeticException.class, () -> LrWdSchedule.lr(PEAK, 5, 5, 6)); // max_it - 1 - wp = 0
    }

    @Test
    void weightDecayCosineFromStartToEnd() {
        // wde + (wd - wde)(0.5 + 0.5 cos(pi it / (max_it - 1))), wd 0.04, wde 0.2, max_it 1101
        assertEquals(0.04, LrWdSchedule.cosineWd(0.04, 0.2, 0, 1101), TOL);
        assertEquals(0.12, LrWdSchedule.cosineWd(0.04, 0.2, 550, 1101), TOL);                 // 0.2 - 0.16 * 0.5
        assertEquals(0.2, LrWdSchedule.cosineWd(0.04, 0.2, 1100, 1101), TOL);
    }

    @Test
    void appliesScalesToGroupsAndReportsTheRange() {
        ParamRef w = ParamRef.of(Tensor.zeros(2, 2)), b = ParamRef.of(Tensor.zeros(2));
        List<ParamGroup> gs = ParamGroups.pretrain(named("conv.weight", w, "conv.bias", b), 1.0);
        // iteration 550 of 1101 with 100 warm-up: lr r = 0.45 -> 0.001 + 0.999 (0.5 + 0.5 cos(0.45 pi)) = 0.5786420...
        LrWdSchedule.Applied a = LrWdSchedule.pretrain(gs, PEAK, 0.04, 0.2, 550, 100, 1101);
        double lr = LrWdSchedule.lr(PEAK, 550, 100, 1101);
        assertEquals(PEAK * (0.001 + 0.999 * (0.5 + 0.5 * Math.cos(0.45 * Math.PI))), lr, 1e-15);
        assertEquals(lr, gs.get(0).lr(), 0);
        assertEquals(lr, gs.get(1).lr(), 0);
        assertEquals(0.12, gs.get(0).weightDecay(), TOL);                                     // decay group: scale 1
        assertEquals(0.0, gs.get(1).weightDecay(), 0);                                        // no_decay: scale 0
        assertEquals(new LrWdSchedule.Applied(lr, lr, 0.0, gs.get(0).weightDecay()), a);
        // fine-tuning: the weight decay stays constant at every iteration
        LrWdSchedule.fineTune(gs, PEAK, 0.02, 1100, 100, 1101);
        assertEquals(0.02, gs.get(0).weightDecay(), 0);
        assertEquals(0.001 * PEAK, gs.get(0).lr(), TOL);
    }

    @Test
    void lrScaleMultipliesTheGroupLr() {
        ParamGroup g = new ParamGroup("layer0_decay", named("conv1.weight", ParamRef.of(Tensor.zeros(2, 2))), 0, 0, 0.25, 1);
        LrWdSchedule.Applied a = LrWdSchedule.apply(List.of(g), 0.004, 0.05);
        assertEquals(0.001, g.lr(), 0);                                                       // 0.004 * 0.25
        assertEquals(new LrWdSchedule.Applied(0.001, 0.004, 0.05, 0.05), a);                  // min/max include the unscaled lr
    }
}
