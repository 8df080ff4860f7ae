package dev.sparkj.spark.train;

import dev.sparkj.spark.ckpt.SparkCheckpoint;
import dev.sparkj.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PretrainerTest {
    private static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream());

    private static Pretrainer.Result run(PretrainConfig cfg, Path resumeFrom) throws IOException {
        return run(cfg, resumeFrom, TinyRuns.data(6));
    }

    private static Pretrainer.Result run(PretrainConfig cfg, Path resumeFrom, dev.sparkj.spark.data.ImageDataset data) throws IOException {
        try (Pretrainer p = new Pretrainer(cfg, data).console(QUIET, false)) {
            if (resumeFrom != null) p.resume(resumeFrom);
            return p.run();
        }
    }

    private static double[] losses(List<TrainLog.Entry> es) {
        return es.stream().mapToDouble(TrainLog.Entry::loss).toArray();
    }

    /**
     * Kill and resume: 2 epochs of 3 iterations uninterrupted, against the same run stopped after epoch 1 and
     * resumed in a fresh trainer (first for one iteration, stopping mid-epoch, then to the end). Losses, learning
     * rates and the final state must be identical bit for bit; drop path is on, so its generators must be restored too.
     */
    @Test
    void resumedRunRepeatsTheUninterruptedOneBitForBit(@TempDir Path tmp) throws IOException {
        PretrainConfig whole = TinyRuns.config(tmp.resolve("whole")).build();
        Pretrainer.Result a = run(whole, null);
        assertEquals(6, a.iterations().size());
        assertTrue(a.finished());

        Path dir = tmp.resolve("parts");
        PretrainConfig.Builder parts = TinyRuns.config(dir);
        Pretrainer.Result b1 = run(parts.maxIters(3).build(), null);             // epoch 1, then "killed"
        assertEquals(3, b1.iterations().size());
        assertFalse(b1.finished());
        Path last = dir.resolve(Pretrainer.LAST);
        SparkCheckpoint ck = SparkCheckpoint.read(last);
        assertEquals(1, ck.position().epoch());
        assertEquals(0, ck.position().batch());
        assertEquals(3, ck.position().globalIteration());
        assertEquals(b1.iterations().get(2).loss(), ck.lastLoss());

        Pretrainer.Result b2 = run(parts.maxIters(4).build(), last);             // one more iteration, stops mid-epoch
        assertEquals(1, b2.iterations().size());
        SparkCheckpoint mid = SparkCheckpoint.read(last);
        assertEquals(1, mid.position().epoch());
        assertEquals(1, mid.position().batch());

        Pretrainer.Result b3 = run(parts.maxIters(0).build(), last);             // the rest
        assertEquals(2, b3.iterations().size());
        assertTrue(b3.finished());

        List<TrainLog.Entry> chained = new ArrayList<>(b1.iterations());
        chained.addAll(b2.iterations());
        chained.addAll(b3.iterations());
        assertArrayEquals(losses(a.iterations()), losses(chained), 0.0);
        for (int i = 0; i < 6; i++) {
            TrainLog.Entry x = a.iterations().get(i), y = chained.get(i);
            assertEquals(x.globalIt(), y.globalIt());
            assertEquals(x.lr(), y.lr(), 0.0);
            assertEquals(x.wd(), y.wd(), 0.0);
            assertEquals(x.gradNorm(), y.gradNorm(), 0.0);
        }
        // the losses are real: a fresh model scores about 1 (per-patch normalised targets)
        assertTrue(a.iterations().getFirst().loss() > 0.5 && a.iterations().getFirst().loss() < 2.0, "first loss " + a.iterations().getFirst().loss());

        SparkCheckpoint endA = SparkCheckpoint.read(tmp.resolve("whole").resolve(Pretrainer.LAST));
        SparkCheckpoint endB = SparkCheckpoint.read(last);
        assertEquals(endA.position(), endB.position());
        assertEquals(endA.model().keySet(), endB.model().keySet());
        for (Map.Entry<String, Tensor> e : endA.model().entrySet())
            assertArrayEquals(e.getValue().toDoubleArray(), endB.model().get(e.getKey()).toDoubleArray(), 0.0, e.getKey());
        assertEquals(endA.optimizer().scalars(), endB.optimizer().scalars());
        for (Map.Entry<String, Tensor> e : endA.optimizer().tensors().entrySet())
            assertArrayEquals(e.getValue().toDoubleArray(), endB.optimizer().tensors().get(e.getKey()).toDoubleArray(), 0.0, e.getKey());
        for (String k : endA.rngs().keySet()) assertArrayEquals(endA.rngs().get(k), endB.rngs().get(k), k);
        assertTrue(endA.rngs().size() > 1, "drop path generators are saved: " + endA.rngs().keySet());

        // the resumed run's log reads as one run
        List<TrainLog.Entry> logA = TrainLog.read(tmp.resolve("whole").resolve(Pretrainer.LOG));
        List<TrainLog.Entry> logB = TrainLog.read(dir.resolve(Pretrainer.LOG));
        assertArrayEquals(losses(logA), losses(logB), 0.0);
        for (String f : List.of(Pretrainer.LOSS_PNG, Pretrainer.RECON_PNG, "encoder.safetensors", "encoder.pth"))
            assertTrue(Files.size(dir.resolve(f)) > 0, f);
    }

    /** A NaN loss stops the run with a message naming the epoch, the iteration and the last checkpoint, which is left as it was. */
    @Test
    void nonFiniteLossStopsAndKeepsTheLastCheckpoint(@TempDir Path tmp) throws IOException {
        PretrainConfig.Builder b = TinyRuns.config(tmp);
        run(b.maxIters(1).build(), null);
        Path last = tmp.resolve(Pretrainer.LAST);
        byte[] before = Files.readAllBytes(last);

        PretrainConfig rest = b.maxIters(0).build();
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class, () -> run(rest, last, TinyRuns.nanData(6)));
        assertEquals(0, e.epoch());
        assertEquals(1, e.iteration());
        assertTrue(e.getMessage().contains("loss is NaN at epoch 1, iteration 2 of 3 (global iteration 1)"), e.getMessage());
        assertTrue(e.getMessage().contains(last.toString()) && e.getMessage().contains("unchanged"), e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(last));
        assertEquals(1, SparkCheckpoint.read(last).position().globalIteration());
        assertEquals(1, TrainLog.read(tmp.resolve(Pretrainer.LOG)).size(), "the diverged iteration is not logged");
    }

    /** Resuming with other model settings is refused, naming the setting. */
    @Test
    void resumeRefusesOtherSettings(@TempDir Path tmp) throws IOException {
        PretrainConfig.Builder b = TinyRuns.config(tmp);
        run(b.maxIters(1).build(), null);
        PretrainConfig other = b.maskRatio(0.5).maxIters(0).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> run(other, tmp.resolve(Pretrainer.LAST)));
        assertTrue(e.getMessage().contains("mask_ratio (checkpoint 0.6, now 0.5)"), e.getMessage());
    }

    /** A tiny ConvNeXt trains too: LayerNorm densify, beta2 0.999, identity projection where its last width equals the decoder's. */
    @Test
    void convNeXtTrainsAndResumes(@TempDir Path tmp) throws IOException {
        PretrainConfig.Builder b = PretrainConfig.builder("tiny-convnext")
                .arch(Map.of("family", "convnext", "dims", List.of(8, 8, 16, 32), "depths", List.of(1, 1, 1, 1)))
                .inputSize(64).batch(2).epochs(1).warmupEpochs(0).baseLr(0.05).decoderWidth(32).dropPath(0.2).seed(3).workers(0)
                .data("synthetic").out(tmp.toString()).visCount(2);
        PretrainConfig cfg = b.build();
        assertEquals("ln", cfg.densifyNorm());
        assertEquals(0.999, cfg.beta2());
        Pretrainer.Result whole;
        try (Pretrainer p = new Pretrainer(cfg, TinyRuns.data(6)).console(QUIET, false)) {
            assertEquals("dev.sparkj.nn.Identity", p.model().namedModules().get("densify_projs.0").getClass().getName());
            whole = p.run();
        }
        assertEquals(3, whole.iterations().size());
        for (TrainLog.Entry e : whole.iterations()) assertTrue(e.loss() > 0.5 && e.loss() < 2, "loss " + e.loss());
        Path dir = tmp.resolve("parts");
        PretrainConfig.Builder parts = b.out(dir.toString());
        Pretrainer.Result first = run(parts.maxIters(2).build(), null);
        Pretrainer.Result rest = run(parts.maxIters(0).build(), dir.resolve(Pretrainer.LAST));
        List<TrainLog.Entry> chained = new ArrayList<>(first.iterations());
        chained.addAll(rest.iterations());
        assertArrayEquals(losses(whole.iterations()), losses(chained), 0.0);
    }
}
