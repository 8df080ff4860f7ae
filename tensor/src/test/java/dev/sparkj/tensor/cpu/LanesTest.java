package dev.sparkj.tensor.cpu;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Lanes adds a vector's lanes in lane order for every width (the written-out 8- and 16-lane float cases, the 4- and
 * 8-lane double cases, and the loop for the rest), so a sum is the same bits on AVX2 and AVX-512 code paths alike.
 * The values span many magnitudes, so any other order of additions would round differently.
 */
class LanesTest {
    private static final SplittableRandom RNG = new SplittableRandom(7);

    private static double value() {
        return (RNG.nextDouble() - 0.5) * Math.pow(10, RNG.nextInt(-6, 7));
    }

    @Test
    void floatLanesAddInLaneOrder() {
        for (VectorSpecies<Float> s : List.of(FloatVector.SPECIES_64, FloatVector.SPECIES_128, FloatVector.SPECIES_256, FloatVector.SPECIES_512))
            for (int trial = 0; trial < 200; trial++) {
                float[] x = new float[s.length()];
                for (int i = 0; i < x.length; i++) x[i] = (float) value();
                FloatVector v = FloatVector.fromArray(s, x, 0);
                double inDouble = 0.0;
                for (float f : x) inDouble += f;
                float inFloat = x[0];
                for (int i = 1; i < x.length; i++) inFloat += x[i];
                assertEquals(inDouble, Lanes.sum(v), 0.0, s + " in double");
                assertEquals(inFloat, Lanes.sumFloat(v), 0.0f, s + " in float");
            }
    }

    @Test
    void doubleLanesAddInLaneOrder() {
        for (VectorSpecies<Double> s : List.of(DoubleVector.SPECIES_128, DoubleVector.SPECIES_256, DoubleVector.SPECIES_512))
            for (int trial = 0; trial < 200; trial++) {
                double[] x = new double[s.length()];
                for (int i = 0; i < x.length; i++) x[i] = value();
                double expected = 0.0;
                for (double d : x) expected += d;
                assertEquals(expected, Lanes.sum(DoubleVector.fromArray(s, x, 0)), 0.0, s.toString());
            }
    }

    @Test
    void negativeZerosSumToPositiveZeroInDouble() {
        float[] z = new float[16];
        java.util.Arrays.fill(z, -0.0f);
        assertEquals(0.0, Lanes.sum(FloatVector.fromArray(FloatVector.SPECIES_512, z, 0)), 0.0);
        assertEquals(Double.doubleToRawLongBits(0.0), Double.doubleToRawLongBits(Lanes.sum(FloatVector.fromArray(FloatVector.SPECIES_512, z, 0))));
        assertEquals(Float.floatToRawIntBits(-0.0f), Float.floatToRawIntBits(Lanes.sumFloat(FloatVector.fromArray(FloatVector.SPECIES_512, z, 0))));
    }
}
